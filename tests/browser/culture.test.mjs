// Culture of resilience in a real browser on a phone-sized viewport: an administrator turns on
// the organisation's report link (with its QR code) and sets up the response team; a signed-out
// staff member reports a suspicious e-mail with an .eml attachment through the link and gets a
// reference; a responder sees it in the queue with a running timer; it escalates when not
// acknowledged (the escalation function run by `ward culture tick` with a moved clock); stored
// script text is shown as text; and it becomes an incident whose reporting clocks start at the
// recorded awareness time. No console errors anywhere.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDemo, launch, newPage, shot } from './lib.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const WARD = process.env.WARD_BIN || join(here, '..', '..', 'target', 'debug', 'ward');
const PHONE = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
  userAgent: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36' };

const EML = [
  'Received: from mail.evil.example (mail.evil.example [203.0.113.9])',
  '\tby mx.hospital.example; Mon, 30 Nov 2026 07:00:00 +0000',
  'From: "IT Service Desk" <helpdesk@evil.example>',
  'To: nurse@hospital.example',
  'Subject: Your password expires today',
  'Date: Mon, 30 Nov 2026 07:00:00 +0000',
  'Message-ID: <browser-test@evil.example>',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Sign in now at https://login.evil.example/reset or lose access.',
  '',
].join('\r\n');

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

async function signIn(page) {
  await page.goto(`${demo.url}/login?next=/obligations`);
  await page.getByLabel('E-mail address').fill('admin@demo.ward');
  await page.getByLabel('Password').fill(demo.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Open reporting obligations' }).waitFor();
}

function ward(...args) {
  return execFileSync(WARD, [...args, '--database-url', `sqlite:${demo.file}`], { encoding: 'utf8', env: { ...process.env, WARD_LOG: 'warn' } });
}

test('phone: account-less report with an .eml, queue timer, escalation, incident with reporting clocks', async () => {
  // The organisation's reporting profile, set at a desk (the profile form is a desktop page).
  const desk = await newPage(browser);
  await signIn(desk);
  await desk.getByRole('link', { name: 'Reporting profile' }).click();
  await desk.locator('#p-entity-time_zone').fill('Europe/Berlin');
  await desk.locator('#p-entity-country_of_establishment').fill('DE');
  await desk.locator('input[name="entity.types"][value="hospital"]').check();
  await desk.locator('input[name="entity.types"][value="healthcare_provider"]').check();
  await desk.selectOption('#p-entity-nis2_class', 'essential');
  await desk.selectOption('#p-entity-de-bsig_class', 'besonders_wichtig');
  await desk.getByRole('button', { name: 'Save profile' }).click();
  await desk.getByText('Profile saved').waitFor();
  desk.assertClean();

  // The administrator, who is also on the response team, on a phone: report link with QR
  // code and a two-level team.
  const admin = await newPage(browser, PHONE);
  await signIn(admin);

  // One click from any page's navigation to the report page.
  await admin.getByRole('link', { name: 'Report something suspicious' }).first().click();
  await admin.getByRole('heading', { name: 'Report something suspicious' }).waitFor();

  await admin.goto(`${demo.url}/culture/settings`);
  await admin.getByRole('button', { name: 'Turn on the link' }).click();
  const link = (await admin.locator('#report-link').innerText()).trim();
  assert.match(link, /\/r\/[A-Za-z0-9_-]{40,}$/, 'an unguessable link');
  const qrOk = await admin.locator('img.qr').evaluate((img) => img.complete && img.naturalWidth > 0);
  assert.ok(qrOk, 'the QR code renders');
  for (const [name, email, level, onCall] of [['Dana (IT)', 'dana@demo.ward', '1', true], ['Chief nurse', 'chief@demo.ward', '2', false]]) {
    await admin.locator('#team-name').fill(name);
    await admin.locator('#team-email').fill(email);
    await admin.locator('#team-level').fill(level);
    if (onCall) await admin.locator('input[name="on_call"]').check();
    await admin.getByRole('button', { name: 'Add to the team' }).click();
    await admin.locator('#team').getByText(email).waitFor();
  }
  await shot(admin, 'culture-settings-phone');

  // A signed-out staff member on a phone, in a fresh browser context.
  const staff = await newPage(browser, { ...PHONE, locale: 'en-GB' });
  await staff.goto(link);
  await staff.getByRole('heading', { name: 'Report something suspicious' }).waitFor();
  const overflow = await staff.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling on a phone (overflow ${overflow}px)`);
  await staff.getByLabel('A suspicious e-mail').check();
  await staff.getByLabel(/Where\?/).fill('Ward 4B');
  await staff.locator('#report-occurred').selectOption('last_hour');
  await staff.locator('#report-description').fill('Looked like IT. <script>window.__pwned = 1</script>');
  await staff.locator('#report-attachment').setInputFiles({ name: 'password-expires.eml', mimeType: 'message/rfc822', buffer: Buffer.from(EML) });
  await shot(staff, 'culture-report-phone');
  await staff.getByRole('button', { name: 'Send report' }).click();
  await staff.getByRole('heading', { name: /Thank you/ }).waitFor();
  const reference = (await staff.locator('#reference').innerText()).trim();
  assert.match(reference, /^R-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  assert.match(await staff.locator('#report-status').innerText(), /waiting for the response team/);
  await shot(staff, 'culture-reference-phone');

  // The responder: the report is in the queue and its acknowledgement timer runs.
  await admin.goto(`${demo.url}/culture/queue`);
  const row = admin.locator(`tr[data-reference="${reference}"]`);
  await row.waitFor();
  const timer = row.locator('.countdown').first();
  await admin.waitForFunction((ref) => /in 1[45] min \d+ s/.test(document.querySelector(`tr[data-reference="${ref}"] .countdown`)?.textContent || ''), reference);
  const t1 = await timer.innerText();
  await admin.waitForTimeout(1500);
  assert.notEqual(await timer.innerText(), t1, 'the timer ticks');
  await shot(admin, 'culture-queue-phone');

  // Nobody acknowledges: 16 minutes later (a moved clock) it escalates to level 1.
  await row.getByRole('link', { name: reference }).click();
  await admin.getByRole('heading', { name: `Report ${reference}` }).waitFor();
  const received = await admin.locator('dd time').first().getAttribute('datetime');
  assert.ok(await admin.locator('#no-escalations').isVisible());
  const later = new Date(Date.parse(received) + 16 * 60 * 1000).toISOString();
  const out = JSON.parse(ward('culture', 'tick', '--now', later, '--json'));
  assert.equal(out.escalation.escalations, 1, JSON.stringify(out));
  await admin.reload();
  assert.match(await admin.locator('#escalations').innerText(), /Level 1 .*dana@demo\.ward/);
  await admin.goto(`${demo.url}/culture/queue`);
  assert.match(await row.locator('td.escalation').innerText(), /level 1/);
  await row.getByRole('link', { name: reference }).click();

  // The e-mail was parsed; stored script text is shown as text, never run.
  assert.match(await admin.locator('.email-summary').innerText(), /helpdesk@evil\.example/);
  assert.match(await admin.locator('ul.links').innerText(), /https:\/\/login\.evil\.example\/reset/);
  assert.match(await admin.locator('#report-description').innerText(), /<script>window.__pwned = 1<\/script>/);
  assert.equal(await admin.evaluate(() => window.__pwned), undefined);
  const detailOverflow = await admin.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(detailOverflow <= 0, `the report page fits a phone (overflow ${detailOverflow}px)`);
  await shot(admin, 'culture-report-detail-phone');

  // One step to an incident: the awareness time is the time the report arrived.
  assert.equal(await admin.locator('#awareness-at').inputValue(), received);
  await admin.getByRole('button', { name: 'Create the incident' }).click();
  await admin.waitForURL(/\/incidents\/[0-9a-f-]+$/, { timeout: 10000 }).catch(async () => {
    throw new Error(`no incident page: ${admin.url()}\n${await admin.locator('main').innerText()}`);
  });
  await admin.getByRole('heading', { name: 'Reporting obligations' }).waitFor();
  const dues = await admin.locator('tr[data-obligation] time[datetime]').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime')));
  const aware = Math.floor(Date.parse(received) / 1000) * 1000; // the page shows whole seconds
  assert.ok(dues.some((d) => Date.parse(d) === aware + 24 * 3600 * 1000), `a 24 h clock from the report's arrival: ${dues.join(', ')}`);
  await shot(admin, 'culture-incident-phone');

  // The reporter sees what happened to the report.
  await staff.reload();
  assert.match(await staff.locator('#report-status').innerText(), /Handled as a security incident/);
  admin.assertClean();
  staff.assertClean();
});
