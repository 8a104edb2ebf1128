// Accountability in a real browser: the demo's curated incidents plus the real MITRE ATT&CK ICS
// bundle (../shared/data). An administrator attributes a curated incident to an ATT&CK group with
// a confidence level; the actor's dossier shows the incident and its harm; the public incident
// page shows the attribution with its confidence wording; `ward verify` passes afterwards.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemo, launch, newPage, shot } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const WARD = process.env.WARD_BIN || join(here, '..', '..', 'target', 'debug', 'ward');
const ICS = join(here, '..', '..', '..', 'shared', 'data', 'attack', 'ics-attack-18.1_stix21.json.gz');
const INCIDENT = "Conti ransomware attack on Ireland's Health Service Executive";

let demo;
let browser;

function ward(args) {
  return execFileSync(WARD, [...args, '--database-url', `sqlite:${demo.file}`], { env: { ...process.env, WARD_LOG: 'warn' }, encoding: 'utf8' });
}

before(async () => {
  assert.ok(existsSync(ICS), `the shared ATT&CK ICS bundle is needed: ${ICS}`);
  demo = await startDemo();
  const imported = ward(['actors', 'import', ICS, '--json']);
  assert.ok(JSON.parse(imported)[0].counts.intrusion_set.all > 0);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await demo?.stop();
});

test('attribute a curated incident; the dossier shows it with harm; the public page shows the confidence', async () => {
  const page = await newPage(browser);
  await page.goto(`${demo.url}/login?next=/actors`);
  await page.getByLabel('E-mail address').fill('admin@demo.ward');
  await page.getByLabel('Password').fill(demo.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Threat actors' }).waitFor();
  await page.goto(`${demo.url}/incidents?q=${encodeURIComponent('Health Service Executive')}`);
  await page.getByRole('link', { name: INCIDENT }).click();
  const incidentUrl = page.url();
  await page.getByLabel('Actor (name, alias or ATT&CK id)').fill('Wizard Spider');
  await page.getByLabel('Confidence').selectOption('assessed_likely');
  await page.getByLabel('Source URL').fill('https://www.rte.ie/news/2021/0520/1222857-hse-weekly-briefing/');
  await page.getByLabel('Date the source said so').fill('2021-05-20');
  await page.getByRole('button', { name: 'Record attribution' }).click();
  await page.waitForURL(/#attributions$/);
  const item = page.locator('#attributions li[data-confidence="assessed_likely"]');
  assert.match(await item.innerText(), /Assessed likely by a named source: Wizard Spider/);
  await shot(page, 'accountability-incident-attributed');

  await item.getByRole('link', { name: 'Wizard Spider' }).click();
  await page.waitForURL(/\/actors\//);
  assert.equal(await page.locator('h1').innerText(), 'Wizard Spider');
  const attributed = page.locator('table.attributions tbody tr');
  assert.equal(await attributed.count(), 1);
  assert.match(await attributed.innerText(), /Health Service Executive[\s\S]*Assessed likely by a named source/);
  assert.match(await page.locator('ul.harm-totals').innerText(), /98,000 individuals affected/);
  assert.match(await page.locator('#timeline').innerText(), /2021 \(1\)/, 'the HSE attack began in 2021');
  assert.match(await page.locator('#evidence').locator('..').innerText(), /health/i, 'ATT&CK documents healthcare targeting');
  await shot(page, 'accountability-dossier');
  // Print-ready: the print stylesheet drops navigation and forms, keeps the dossier.
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('header.site').isVisible(), false, 'no site navigation in print');
  assert.equal(await page.locator('h1').isVisible(), true);
  assert.equal(await attributed.first().isVisible(), true);
  await page.pdf({ path: new URL('./artifacts/accountability-dossier.pdf', import.meta.url).pathname });
  await page.emulateMedia({ media: 'screen' });
  page.assertClean();

  // The public: a fresh context without the session.
  const anon = await newPage(browser);
  await anon.goto(incidentUrl.replace(/#.*$/, ''));
  const publicItem = anon.locator('#attributions li');
  assert.equal(await publicItem.count(), 1);
  assert.match(await publicItem.innerText(), /^Assessed likely by a named source: Wizard Spider — source www\.rte\.ie, 2021-05-20/);
  assert.equal(await anon.getByRole('button', { name: 'Record attribution' }).count(), 0);
  await anon.goto(`${demo.url}/actors?attributed=1`);
  assert.match(await anon.locator('table.actors tbody tr').first().innerText(), /Wizard Spider[\s\S]*\b1\b/);
  await shot(anon, 'accountability-register');
  anon.assertClean();

  const verify = JSON.parse(ward(['verify', '--json']));
  assert.equal(verify.ok, true, JSON.stringify(verify));
});
