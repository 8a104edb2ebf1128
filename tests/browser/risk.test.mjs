// Continuous risk management in a real browser: the CISA KEV catalogue and an asset CSV are
// imported with the `ward` CLI into the running demo's database; the administrator answers
// HPH CPGs with evidence (one piece already expired, one about to expire); daily snapshots
// give a trend; the organisation dashboard then shows the posture per framework (HPH assessed,
// NIS2 inferred through the crosswalk), the trend, what goes stale within 30 days and the open
// exposures by criticality — and the board report prints — with no console errors.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDemo, launch, newPage, shot } from './lib.mjs';

const here = new URL('.', import.meta.url).pathname;
const WARD = process.env.WARD_BIN || join(here, '..', '..', 'target', 'debug', 'ward');
const KEV_DIR = process.env.WARD_KEV_DIR || '/work/shared/data/kev';
const ORG = 'Ward curators';

let demo;
let browser;

before(async () => {
  demo = await startDemo();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

function ward(...args) {
  return execFileSync(WARD, args, { env: { ...process.env, WARD_DATABASE_URL: `sqlite:${demo.file}`, WARD_LOG: 'warn' }, encoding: 'utf8' });
}

/** A day relative to today (UTC) as YYYY-MM-DD. */
function day(offset) {
  const d = new Date(Date.now() + offset * 86400000);
  return d.toISOString().slice(0, 10);
}

test('organisation dashboard: posture, inferred NIS2 posture, trend, stale items and exposures', async () => {
  // The catalogue and the inventory, through the CLI (as an operator would).
  const kev = ward('kev', 'import', join(KEV_DIR, 'known_exploited_vulnerabilities_2026-04-16.csv'));
  assert.match(kev, /1569 entries \(csv\); 1569 added/);
  const dir = mkdtempSync(join(tmpdir(), 'ward-risk-'));
  const csv = join(dir, 'assets.csv');
  writeFileSync(csv, [
    'name,kind,manufacturer,product,version,cpe,network_segment,clinical_function,criticality,internet_facing,owner,rto_hours,rpo_hours',
    'fw-edge-01,network_device,Fortinet,FortiGate 100F,7.2.4,cpe:2.3:o:fortinet:fortios:7.2.4:*:*:*:*:*:*:*,dmz,,high,yes,IT networks,4,0',
    'pacs-viewer,application,Microsoft,SharePoint Server 2019,16.0,,radiology,Image review,medium,no,Radiology IT,24,24',
    'infusion-pumps,medical_device,Baxter,Sigma Spectrum,8.0,,clinical-vlan-12,Infusion therapy,life_critical,no,Biomedical engineering,1,0',
    '',
  ].join('\n'));
  assert.match(ward('assets', 'import', '--org', ORG, csv), /3 assets: 3 added/);

  const page = await newPage(browser);
  await page.goto(`${demo.url}/login?next=/risk`);
  await page.getByLabel('E-mail address').fill('admin@demo.ward');
  await page.getByLabel('Password').fill(demo.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: `Risk: ${ORG}` }).waitFor();
  const dashboard = page.url().split('?')[0];

  // Assess the HPH CPGs: three essential goals compliant.
  await page.getByRole('link', { name: 'HPH CPGs' }).click();
  await page.getByRole('heading', { name: /^HPH CPGs/ }).waitFor();
  for (const goal of ['HPH-E2', 'HPH-E4', 'HPH-E5']) {
    await page.selectOption(`#answer-${goal}`, 'compliant');
  }
  await page.locator('#owner-HPH-E5').fill('IT security');
  await page.getByRole('button', { name: 'Save answers' }).click();
  await page.getByText('Answers saved.').waitFor();
  // Evidence: E5 in force for 10 more days; E4 in force for a year; E2's expired 20 days ago.
  for (const [goal, from, to] of [['HPH-E5', -100, 10], ['HPH-E4', -100, 265], ['HPH-E2', -100, -20]]) {
    await page.selectOption('#evidence-requirement_id', goal);
    await page.locator('#evidence-title').fill(`${goal} evidence`);
    await page.locator('#evidence-effective_on').fill(day(from));
    await page.locator('#evidence-expires_on').fill(day(to));
    await page.getByRole('button', { name: 'Add evidence' }).click();
    await page.getByText('Evidence added.').waitFor();
  }
  const e2 = page.locator('tr[data-requirement="HPH-E2"]').first();
  assert.match(await e2.innerText(), /Stale/);

  // Daily snapshots for past days (what a daily timer records): E2 was compliant until it expired.
  for (const offset of [-60, -40, -10]) ward('risk', 'snapshot', '--org', ORG, '--on', day(offset));

  await page.goto(dashboard);
  const hph = page.locator('tr[data-framework="hph-cpg"]');
  assert.match(await hph.innerText(), /assessed/);
  assert.match(await hph.innerText(), /2 compliant · 0 partial · 2 non-compliant · 1 stale/);
  // The trend: a line over the recorded days, falling when E2's evidence expired.
  await hph.locator('svg.risk-trend polyline').waitFor();
  const label = await hph.locator('svg.risk-trend').getAttribute('aria-label');
  assert.match(label, new RegExp(`Score from ${day(-60)} to ${day(0)}`));
  const nis2 = page.locator('tr[data-framework="nis2-art21"]');
  assert.match(await nis2.innerText(), /inferred from hph-cpg/);
  assert.match(await page.locator('ul.risk-going-stale').innerText(), /HPH-E5.*stale from/);
  assert.match(await page.locator('ul.risk-stale').innerText(), /HPH-E2.*evidence expired/);
  // Exposures: the firewall's FortiOS findings (high criticality), the SharePoint ones (medium), none for the pumps.
  const high = page.locator('table.risk-exposures tr[data-criticality="high"]');
  const highCount = Number((await high.locator('td').first().innerText()).trim());
  assert.ok(highCount >= 1, `high-criticality exposures: ${highCount}`);
  assert.equal((await page.locator('table.risk-exposures tr[data-criticality="life_critical"] td').first().innerText()).trim(), '0');
  assert.match(await page.locator('table.risk-findings').innerText(), /fw-edge-01[\s\S]*CVE-/);
  assert.match(await page.locator('p.risk-catalogue').innerText(), /1569 entries from known_exploited_vulnerabilities_2026-04-16\.csv.*added 1569 and removed 0 entries, giving this organisation \d+ new exposures/);
  // The linked requirement ("mitigate known vulnerabilities") is non-compliant: findings are past due.
  assert.match(await page.locator('p.risk-linked').innerText(), /HPH CPGs HPH-E1 Mitigate Known Vulnerabilities Non-compliant/);
  await shot(page, 'risk-dashboard');

  // The inferred NIS2 page names the mapping that produced each status.
  await page.getByRole('link', { name: 'NIS2 Art. 21(2)' }).click();
  await page.getByRole('heading', { name: /^Inferred posture/ }).waitFor();
  assert.match(await page.locator('tr[data-requirement="21.2.h"]').first().innerText(), /HPH-E5 \(Compliant\) — subset, strength 8\/10/);
  await shot(page, 'risk-nis2-inferred');

  // The board report, as printed.
  await page.goto(`${dashboard}/report`);
  await page.getByRole('heading', { name: `Board report: cyber risk, ${ORG}` }).waitFor();
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('header.site').isVisible(), false, 'navigation is not printed');
  await page.pdf({ path: join(here, 'artifacts', 'risk-board-report.pdf'), format: 'A4' });
  page.assertClean();
});
