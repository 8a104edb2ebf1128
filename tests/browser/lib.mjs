// Shared helpers for ward's browser suite: start `ward demo` on a free port, launch Debian's
// chromium through playwright-core, fail on any console error, save screenshots as artefacts.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const artifacts = join(here, 'artifacts');
mkdirSync(artifacts, { recursive: true });

const WARD = process.env.WARD_BIN || join(here, '..', '..', 'target', 'debug', 'ward');
const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

/** Starts `ward demo` on a free port; resolves with { url, password, stop }. */
export async function startDemo() {
  const dir = mkdtempSync(join(tmpdir(), 'ward-browser-'));
  const file = join(dir, 'ward-demo.db');
  const child = spawn(WARD, ['demo', '--bind', '127.0.0.1:0', '--file', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, WARD_LOG: 'warn' },
  });
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const lines = createInterface({ input: child.stdout });
  let password;
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ward demo did not start: ${stderr}`)), 30000);
    child.on('exit', (code) => reject(new Error(`ward demo exited with ${code}: ${stderr}`)));
    lines.on('line', (line) => {
      const pw = line.match(/one-time password: (\S+)/);
      if (pw) password = pw[1];
      const m = line.match(/listening on (http:\/\/\S+?)\/?$/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
  return {
    url,
    password,
    file,
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode !== null ? r() : child.on('exit', r)));
    },
  };
}

/** Launches headless chromium with a fresh profile and no background networking. */
export async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
}

/** A page that records console errors and page errors; call assertClean() at the end. */
export async function newPage(browser, options = {}) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  const problems = [];
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console error: ${msg.text()} at ${page.url()}`); });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.assertClean = () => {
    if (problems.length) throw new Error(problems.join('\n'));
  };
  return page;
}

export async function shot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}
