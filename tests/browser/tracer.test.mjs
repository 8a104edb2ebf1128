// The public tracer in a real browser, on real imported data (VCDB healthcare records from
// ../shared/data): headline figures, trend, map, breakdowns with table views, filters in the
// URL, exports that download and parse, and TLP: an AMBER incident is invisible to the public
// and visible to its organisation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { launch, newPage, shot } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const WARD = process.env.WARD_BIN || join(here, '..', '..', 'target', 'debug', 'ward');
const VCDB = join(here, '..', '..', '..', 'shared', 'data', 'vcdb', 'vcdb_healthcare.jsonl');
const PASSWORD = 'a long browser password';

let server;
let url;
let browser;

function ward(args, input) {
  return execFileSync(WARD, args, { input, env: { ...process.env, WARD_LOG: 'warn' }, encoding: 'utf8' });
}

before(async () => {
  assert.ok(existsSync(VCDB), `the shared VCDB file is needed: ${VCDB}`);
  const dir = mkdtempSync(join(tmpdir(), 'ward-tracer-'));
  const db = `sqlite:${join(dir, 'tracer.db')}`;
  ward(['import', 'vcdb', VCDB, '--database-url', db]);
  ward(['admin', 'create-org', 'Amber Hospital', '--type', 'hospital', '--country', 'DE', '--database-url', db]);
  ward(['admin', 'create-user', '--org', 'Amber Hospital', '--email', 'analyst@amber.example', '--role', 'analyst', '--database-url', db], `${PASSWORD}\n`);
  const file = join(dir, 'amber.yaml');
  writeFileSync(file, 'title: Private ransomware incident at Amber Hospital\ntlp: amber\nvictim: {org_type: hospital, country: DE, name: Amber Hospital}\ntimeline: {incident_on: 2019-06-01}\nattack_types: [ransomware]\n');
  ward(['incident', 'create', '--org', 'Amber Hospital', '--file', file, '--database-url', db]);
  server = spawn(WARD, ['serve', '--bind', '127.0.0.1:0', '--database-url', db], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, WARD_LOG: 'warn' } });
  url = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('ward serve did not start')), 30000);
    createInterface({ input: server.stdout }).on('line', (line) => {
      const m = line.match(/listening on (http:\/\/\S+?)\/?$/);
      if (m) { clearTimeout(t); resolve(m[1]); }
    });
  });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.kill('SIGTERM');
});

const headline = async (page) => Number((await page.locator('.tile-value').first().innerText()).replace(/,/g, ''));

test('the dashboard shows real data: totals, trend, map, breakdowns with table views', async () => {
  const page = await newPage(browser);
  await page.goto(`${url}/tracer`);
  assert.match(await page.title(), /tracer/i);
  const incidents = await headline(page);
  assert.ok(incidents >= 2000, `VCDB healthcare incidents are public: ${incidents}`);
  assert.ok(await page.locator('svg path[data-country="US"]').count() === 1, 'the United States is on the map');
  const usFill = await page.locator('svg path[data-country="US"]').getAttribute('fill');
  const greenland = await page.locator('svg path[data-country="GL"]').getAttribute('fill');
  assert.notEqual(usFill, greenland, 'countries with incidents are coloured, others grey');
  assert.equal(await page.locator('svg a path[data-country="GL"]').count(), 0, 'no link where nothing was reported');
  // Table view beside the chart: the country table's first row equals the first bar.
  await page.locator('summary', { hasText: 'Table view: Incidents by country' }).click();
  const firstRow = page.locator('#by-country-table tbody tr').first();
  assert.equal(await firstRow.locator('th').innerText(), 'United States');
  const tableValue = Number(await firstRow.locator('td').innerText());
  const barValue = Number(await page.locator('#by-country-title').locator('..').locator('svg text.chart-value').first().textContent());
  assert.equal(tableValue, barValue);
  assert.ok(await page.locator('#trend-title').count() === 1);
  assert.match(await page.locator('#as-of').innerText(), /Data as of \d{4}-\d\d-\d\d/);
  assert.equal(await page.getByText('Private ransomware incident').count(), 0);
  await shot(page, 'tracer-dashboard');
  page.assertClean();
});

test('a filter changes the counts and the URL; the export of the view downloads and parses', async () => {
  const page = await newPage(browser);
  await page.goto(`${url}/tracer`);
  const all = await headline(page);
  await page.selectOption('#t-attack_type', 'lost_or_stolen_device');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/attack_type=lost_or_stolen_device/);
  const filtered = await headline(page);
  assert.ok(filtered > 0 && filtered < all, `${filtered} of ${all}`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'CSV' }).click()]);
  const csv = readFileSync(await download.path(), 'utf8').trim().split('\n');
  assert.match(csv[0], /^id,title,date,country/);
  assert.ok(csv.length - 1 >= filtered, `CSV rows ${csv.length - 1} for ${filtered} incidents (quoted newlines may add lines)`);
  const [jdl] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'JSON' }).click()]);
  const json = JSON.parse(readFileSync(await jdl.path(), 'utf8'));
  assert.equal(json.count, filtered);
  assert.match(json.licence, /CC BY-SA/);
  const [sdl] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'STIX 2.1 bundle' }).click()]);
  const bundle = JSON.parse(readFileSync(await sdl.path(), 'utf8'));
  assert.equal(bundle.type, 'bundle');
  assert.equal(bundle.objects.filter((o) => o.type === 'incident').length, filtered);
  await shot(page, 'tracer-filtered');
  page.assertClean();
});

test('TLP:AMBER is absent for the public and present for its organisation', async () => {
  const page = await newPage(browser);
  await page.goto(`${url}/tracer?country=DE`);
  const publicCount = await headline(page);
  await page.goto(`${url}/login?next=/tracer%3Fcountry%3DDE`);
  await page.getByLabel('E-mail address').fill('analyst@amber.example');
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/tracer\?country=DE/);
  assert.equal(await headline(page), publicCount + 1);
  await page.goto(`${url}/incidents?q=private%20ransomware`);
  assert.equal(await page.locator('table.incidents tbody tr').count(), 1);
  page.assertClean();
});
