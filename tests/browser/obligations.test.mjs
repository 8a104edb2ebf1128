// Report once in a real browser: set a German hospital's reporting profile, record a
// ransomware incident, see the 24 h / 72 h BSIG obligations with live countdowns, record the
// 72 h notification, see the final-report deadline move to one month after that submission,
// and open the print view of the notification — with no console errors anywhere.
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

/** Wall-clock time in Europe/Berlin as a datetime-local value (YYYY-MM-DDTHH:MM:SS). */
function berlinLocal(date) {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Europe/Berlin', year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).format(date).replace(' ', 'T');
}

/** The same local wall-clock time one calendar month later (clamped to the month's end). */
function plusOneMonth(local) {
  const [date, time] = local.split('T');
  let [y, m, d] = date.split('-').map(Number);
  m += 1;
  if (m === 13) { m = 1; y += 1; }
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const pad = (n) => String(n).padStart(2, '0');
  return `${y}-${pad(m)}-${pad(Math.min(d, last))}T${time.length === 5 ? `${time}:00` : time}`;
}

test('German hospital: profile, ransomware incident, countdowns, submission, final report, print', async () => {
  const page = await newPage(browser);
  await page.goto(`${demo.url}/login?next=/obligations`);
  await page.getByLabel('E-mail address').fill('admin@demo.ward');
  await page.getByLabel('Password').fill(demo.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Open reporting obligations' }).waitFor();

  // The organisation's reporting profile: a bad time zone is named, then a good profile saves.
  await page.getByRole('link', { name: 'Reporting profile' }).click();
  await page.locator('#p-entity-time_zone').fill('Europe/Berlinn');
  await page.locator('#p-entity-country_of_establishment').fill('DE');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await page.getByRole('heading', { name: 'There is a problem' }).waitFor();
  assert.match(await page.locator('.error-summary').innerText(), /entity\.time_zone/);
  await page.locator('#p-entity-time_zone').fill('Europe/Berlin');
  await page.locator('input[name="entity.types"][value="hospital"]').check();
  await page.locator('input[name="entity.types"][value="healthcare_provider"]').check();
  await page.selectOption('#p-entity-nis2_class', 'essential');
  await page.selectOption('#p-entity-de-bsig_class', 'besonders_wichtig');
  await page.getByRole('button', { name: 'Save profile' }).click();
  await page.getByText('Profile saved').waitFor();

  // A ransomware incident at the hospital.
  await page.goto(`${demo.url}/incidents/new`);
  await page.locator('#f-title').fill('Browser test: ransomware at Klinikum Beispiel');
  await page.selectOption('#f-victim-org_type', 'hospital');
  await page.selectOption('#f-victim-country', 'DE');
  await page.locator('input[name="attack_types"][value="ransomware"]').check();
  await page.getByRole('button', { name: 'Save incident' }).click();
  await page.getByRole('heading', { name: 'Reporting obligations' }).waitFor();
  await page.getByRole('heading', { name: 'Questions that decide obligations' }).waitFor();

  // Answer the deciding facts: aware an hour ago (local time in Berlin), a security incident
  // with severe operational disruption.
  const aware = berlinLocal(new Date(Date.now() - 3600 * 1000));
  await page.locator('#q-incident-awareness_at').fill(aware);
  await page.selectOption('#q-incident-is_security_incident', 'yes');
  await page.selectOption('#q-impact-severe_operational_disruption', 'yes');
  await page.getByRole('button', { name: 'Save answers' }).click();
  const early = page.locator('tr[data-obligation="de.bsig|fruehe_erstmeldung|"]');
  const notification = page.locator('tr[data-obligation="de.bsig|meldung|"]');
  await early.waitFor();
  await notification.waitFor();
  assert.match(await early.innerText(), /Owed/);
  assert.match(await early.locator('time').getAttribute('datetime'), /[+-]0[12]:00$/, 'due instant in Berlin time');
  // Live countdowns: ~23 h and ~71 h left, updated by the script.
  await page.waitForFunction(() => /in 2[23] h \d+ min/.test(document.querySelector('tr[data-obligation="de.bsig|fruehe_erstmeldung|"] .countdown')?.textContent || ''));
  const before = await early.locator('.countdown').innerText();
  await page.waitForTimeout(1500);
  assert.notEqual(await early.locator('.countdown').innerText(), before, 'the countdown ticks');
  assert.match(await notification.locator('.countdown').innerText(), /in 7[01] h/);
  await shot(page, 'obligations-timeline');

  // Record the 72 h notification as sent now; the final report moves to one month after it.
  await page.selectOption('#s-stage', 'de.bsig|meldung|');
  const sentAt = await page.locator('#s-submitted_at').inputValue();
  await page.locator('#s-channel').fill('BSI reporting portal');
  await page.locator('#s-receipt').fill('BSI-2026-TEST');
  await page.getByRole('button', { name: 'Record submission' }).click();
  await notification.waitFor();
  assert.match(await notification.innerText(), /Submitted on time/);
  const final = page.locator('tr[data-obligation="de.bsig|abschlussmeldung|"]');
  const finalDue = await final.locator('time').getAttribute('datetime');
  assert.ok(finalDue.startsWith(plusOneMonth(sentAt)), `final report due ${finalDue}, expected one month after ${sentAt}`);

  // The print view of the notification, in German (the recipient's language).
  await notification.getByRole('link', { name: 'Report' }).click();
  await page.getByRole('heading', { name: /Incident notification|Meldung/ }).waitFor();
  assert.equal(await page.locator('article.report').getAttribute('lang'), 'de');
  assert.match(await page.locator('article.report').innerText(), /Gemeinsame Meldestelle von BSI und BBK/);
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('header.site').isVisible(), false, 'print CSS hides the navigation');
  await shot(page, 'obligations-notification-print');
  await page.emulateMedia({ media: 'screen' });

  // The history lists the answers and the submission.
  await page.goto(page.url().replace(/\/reports\/.*$/, '/history'));
  assert.match(await page.locator('table.reporting-events').innerText(), /BSI reporting portal/);
  page.assertClean();
});
