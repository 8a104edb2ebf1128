// The foundation in a real browser: the demo's curated incidents, sign in, create an incident,
// see a validation error, edit it, and read its history — with no console errors anywhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startDemo, launch, newPage, shot } from './lib.mjs';

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

test('anonymous visitors see the curated public incidents', async () => {
  const page = await newPage(browser);
  await page.goto(`${demo.url}/`);
  assert.match(await page.title(), /tracer/, 'the home page is the public tracer');
  await page.getByRole('link', { name: 'Incidents', exact: true }).click();
  assert.match(await page.title(), /Incidents/);
  const rows = await page.locator('table.incidents tbody tr').count();
  assert.ok(rows >= 25, `expected the curated incidents, saw ${rows} rows`);
  await page.getByRole('link', { name: /HSE|Health Service Executive/i }).first().click();
  await page.getByRole('heading', { name: 'Sources' }).waitFor();
  assert.ok(await page.locator('ol.sources li').count() >= 1, 'sources listed');
  await shot(page, 'incident-detail-public');
  await page.getByRole('link', { name: /All incidents/ }).click();
  await page.selectOption('#f-country', 'IE');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  assert.match(page.url(), /country=IE/);
  assert.ok(await page.locator('table.incidents tbody tr').count() >= 1);
  page.assertClean();
});

test('sign in, create with a validation error, edit, view history', async () => {
  const page = await newPage(browser);
  await page.goto(`${demo.url}/incidents/new`);
  assert.match(page.url(), /\/login\?next=/, 'signing in is required to record');
  await page.getByLabel('E-mail address').fill('admin@demo.ward');
  await page.getByLabel('Password').fill(demo.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Record an incident' }).waitFor();

  // Submit with no title and a number that is not one: inline errors, values kept.
  await page.selectOption('#f-victim-org_type', 'hospital');
  await page.selectOption('#f-victim-country', 'DE');
  await page.getByLabel('Number').first().fill('many');
  await page.getByRole('button', { name: 'Save incident' }).click();
  await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
  assert.match(await page.locator('#f-title-error').innerText(), /must not be empty/);
  assert.equal(await page.locator('#f-title').getAttribute('aria-invalid'), 'true');
  await shot(page, 'incident-form-errors');

  await page.locator('#f-title').fill('Browser test: ransomware at a German hospital');
  await page.locator('#f-harm-individuals_affected-value').fill('');
  await page.locator('input[name="attack_types"][value="ransomware"]').check();
  await page.locator('#f-sources-0--url').fill('https://example.org/browser-test');
  await page.locator('#f-sources-0--publisher').fill('Example News');
  await page.locator('#f-harm-appointments_cancelled-value').fill('1200');
  await page.locator('#f-harm-appointments_cancelled-source').fill('https://example.org/browser-test');
  await page.locator('#f-harm-appointments_cancelled-as_of').fill('2024-03-01');
  await page.getByRole('button', { name: 'Save incident' }).click();
  await page.getByRole('heading', { name: 'Browser test: ransomware at a German hospital' }).waitFor();
  assert.match(await page.locator('main').innerText(), /1,200/);

  await page.getByRole('link', { name: 'Edit incident' }).click();
  await page.locator('#f-title').fill('Browser test: ransomware at a German hospital (edited)');
  await page.getByRole('button', { name: 'Save incident' }).click();
  await page.getByRole('heading', { name: /\(edited\)$/ }).waitFor();

  await page.getByRole('link', { name: /History/ }).click();
  await page.getByRole('link', { name: 'Version 2' }).waitFor();
  assert.match(await page.locator('main table').innerText(), /title/);
  await shot(page, 'incident-history');
  await page.getByRole('link', { name: 'Version 1' }).click();
  assert.match(await page.locator('h1').innerText(), /\(version 1\)/);

  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  page.assertClean();
});

test('readable on a phone and usable from the keyboard', async () => {
  const page = await newPage(browser, { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await page.goto(`${demo.url}/incidents`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 1, `no horizontal scrolling on a phone (overflow ${overflow}px)`);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to main content');
  await shot(page, 'incidents-phone');
  page.assertClean();
});
