// A tabletop exercise in a real browser with two sessions: the facilitator (the demo's
// administrator) sets up and starts the EHR ransomware scenario; a participant (a reporter of
// the same organisation, created with the CLI) plays the incident commander on their own
// screen. Injects and the decision form reach the participant live (server-sent events, no
// reload); the decision reaches the facilitator's screen the same way; the facilitator
// finishes and opens the after-action report, which prints. No console errors on either page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startDemo, launch, newPage, shot } from './lib.mjs';

const here = new URL('.', import.meta.url).pathname;
const WARD = process.env.WARD_BIN || join(here, '..', '..', 'target', 'debug', 'ward');
const ORG = 'Ward curators';
const PASSWORD = 'a long participant password';

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

async function signIn(page, email, password, next) {
  await page.goto(`${demo.url}/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('E-mail address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

test('facilitator and participant run the ransomware exercise live and open the after-action report', async () => {
  execFileSync(WARD, ['admin', 'create-user', '--org', ORG, '--email', 'ic@demo.ward', '--role', 'reporter', '--database-url', `sqlite:${demo.file}`], {
    input: `${PASSWORD}\n`, env: { ...process.env, WARD_LOG: 'warn' },
  });

  // The facilitator sets up a run of the ransomware scenario and starts it.
  const fac = await newPage(browser);
  await signIn(fac, 'admin@demo.ward', demo.password, '/exercises');
  await fac.getByRole('heading', { name: 'Exercises', exact: true }).waitFor();
  const scenario = fac.locator('section.scenario', { has: fac.getByRole('heading', { name: 'Ransomware encrypts the EHR at a 350-bed hospital' }) });
  await scenario.getByLabel('Run title').fill('Browser drill');
  await scenario.getByRole('button', { name: 'Set up a run' }).click();
  await fac.getByRole('heading', { name: 'Browser drill' }).waitFor();
  const runUrl = fac.url();
  await fac.getByRole('button', { name: 'Start the exercise' }).click();
  await fac.locator('#inject-i01-ransom-note').getByText('out at T+0h00m').waitFor();

  // The participant opens the incident commander's view in another session.
  const ic = await newPage(browser);
  await signIn(ic, 'ic@demo.ward', PASSWORD, `${new URL(runUrl).pathname}/play/incident_commander`);
  await ic.getByRole('heading', { name: 'Incident commander' }).waitFor();
  await ic.getByText('EHR logins fail; ransom notes on file servers').waitFor();
  await ic.getByLabel('What did you do?').selectOption('activate_command');
  await ic.getByLabel('Details').fill('Crisis team called to the command room');
  await ic.getByRole('button', { name: 'Record', exact: true }).click();
  await ic.getByText('Recorded.').waitFor();

  // The facilitator moves the clock by an hour: the ED inject and its decision reach the
  // participant's open page without a reload.
  await fac.getByLabel('Advance the clock').selectOption('PT1H');
  await fac.getByRole('button', { name: 'Advance' }).click();
  await fac.locator('#inject-i04-ed-arrivals').getByText(/out at/).waitFor();
  await ic.getByText('Stroke patient announced; no imaging results, no lab').waitFor({ timeout: 15000 });
  await ic.getByText('Decide: Request ambulance diversion? For which patients?').waitFor();
  await shot(ic, 'exercise-participant');
  await ic.getByLabel('Partial: divert stroke, STEMI and major trauma only').check();
  await ic.getByLabel('Why (optional)').fill('CT reads by phone are too slow for stroke');
  await ic.getByRole('button', { name: 'Record the decision' }).click();
  await ic.getByText('Recorded.').waitFor();

  // The decision appears on the facilitator's screen by itself.
  await fac.locator('#live').getByText('Partial: divert stroke, STEMI and major trauma only', { exact: true }).waitFor({ timeout: 15000 });
  const expectation = fac.locator('#expectation-e02-escalate');
  assert.match(await expectation.innerText(), /met/);
  await shot(fac, 'exercise-facilitator');

  await fac.getByRole('button', { name: 'Finish the exercise' }).click();
  await fac.getByText('finished').first().waitFor();
  await fac.getByRole('link', { name: 'After-action report' }).click();
  await fac.getByRole('heading', { name: 'After-action report' }).waitFor();
  const body = await fac.locator('main').innerText();
  for (const text of ['Time to escalate', 'Objective o1 achieved', 'CT reads by phone are too slow for stroke', 'Gaps', 'Timeline', 'Runs of this scenario']) {
    assert.ok(body.includes(text), `${text} in the after-action report`);
  }
  const pdf = await fac.pdf({ format: 'A4' });
  assert.ok(pdf.length > 10000, 'the report prints');
  await shot(fac, 'exercise-after-action');
  fac.assertClean();
  ic.assertClean();
});
