// The Security page of the Client Area (DESIGN §12) in Chromium: reached
// from the Hello menu by keyboard ("Change password" leads there), the
// profile saved, a wrong current password shown next to its field, the
// password changed (the other session ends), the sessions listed with
// this device marked and another one signed out, an email change
// confirmed through /verify-email from the mail the SMTP catcher got;
// at desktop and phone width, axe-core on every state shown.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { PHONE, launchBrowser, openPage, phoneShot, shot } from '../lib/browser.mjs';
import { Client, PASSWORD, registerUser, uniqueEmail } from '../lib/client.mjs';
import { startStack } from '../lib/stack.mjs';

let s;
let browser;

before(async () => {
  s = await startStack();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await s?.stop();
});

async function signIn(page, email, password = PASSWORD) {
  await page.goto(`${s.url}/portal/`);
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${s.url}/portal/`);
  await page.locator('#page-title').waitFor();
}

async function otherDevice(email, password = PASSWORD) {
  const c = new Client(s.url);
  const r = await c.post('/api/v1/auth/login', { email, password },
    { headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0' } });
  assert.equal(r.status, 200, r.text);
  return c;
}

async function verifyLinkTo(address) {
  const m = await s.waitForMail((raw) => (raw.includes(`To: ${address}`) || raw.includes(`<${address}>`)) && /^Subject: Email Address Verification/m.test(raw));
  const text = (await simpleParser(m.raw)).text;
  const link = text.match(/https?:\/\/\S+\/verify-email#[A-Za-z0-9_-]{43}/);
  assert.ok(link, `no verification link in:\n${text}`);
  return link[0];
}

test('the Security page: profile, password, sessions and email, by keyboard, axe-clean', async () => {
  const [, u] = await registerUser(s, { first_name: 'Sec', last_name: 'User' });
  const w = await openPage(browser);
  const { page } = w;
  await signIn(page, u.email);
  const other = await otherDevice(u.email);

  // the Hello menu, by keyboard: "Change password" leads to the Security page
  await page.locator('#hello-menu summary').focus();
  await page.keyboard.press('Enter');
  const change = page.getByRole('link', { name: 'Change password' });
  await change.waitFor();
  await change.focus();
  await page.keyboard.press('Enter');
  await page.waitForURL(/#change-password$/);
  await page.getByRole('heading', { name: 'Security', level: 1 }).waitFor();
  await page.locator('#sessions-table').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'current-password', 'focus on the form it promised');
  assert.equal(await page.locator('#hello-menu').getAttribute('open'), null, 'the menu closed');
  await shot(page, 'security-01-desktop');

  // sessions: this device marked, the other one named by its browser
  const rows = page.locator('#sessions-table tbody tr');
  assert.equal(await rows.count(), 3, 'registration, this sign-in, the other device');
  const mine = rows.filter({ hasText: 'This device' });
  assert.equal(await mine.count(), 1);
  assert.equal(await mine.getByRole('button').count(), 0, 'this device is signed out from the menu, not here');
  const firefox = rows.filter({ hasText: 'Firefox on Linux' });
  assert.equal(await firefox.count(), 1);
  assert.match(await firefox.textContent(), /127\.0\.0\.1/);

  // the profile, saved with Enter
  const last = page.getByLabel('Last name');
  await last.fill('Renamed');
  await last.press('Enter');
  await page.locator('#flash').getByText('Your profile was saved.').waitFor();
  const me = await (await page.request.get(`${s.url}/api/v1/me`)).json();
  assert.equal(me.user.last_name, 'Renamed');
  await shot(page, 'security-02-profile-saved');

  // a wrong current password: said next to that field
  await page.getByLabel('Current password', { exact: true }).first().fill('not the password at all');
  await page.getByLabel('New password', { exact: true }).fill('a new passphrase here');
  await page.getByLabel('Repeat the new password').fill('a new passphrase here');
  await page.getByRole('button', { name: 'Change password' }).click();
  const err = page.locator('#password-form .field-error:not([hidden])');
  await err.waitFor();
  assert.equal(await page.locator('#current-password').getAttribute('aria-invalid'), 'true');
  await shot(page, 'security-03-wrong-password');

  // the right one: the other session ends, this one goes on
  await page.locator('#current-password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.locator('#flash').getByText('Your password was changed.').waitFor();
  assert.equal((await other.get('/api/v1/me')).status, 401, 'the other device is signed out');
  await page.waitForFunction(() => document.querySelectorAll('#sessions-table tbody tr').length === 1);
  assert.ok(await page.locator('#revoke-others').isHidden(), 'no other session to sign out');
  const NEW = 'a new passphrase here';

  // two more devices: one signed out from its row, then all others at once
  const third = await otherDevice(u.email, NEW);
  const fourth = await otherDevice(u.email, NEW);
  await page.reload();
  await page.locator('#sessions-table').waitFor();
  assert.equal(await page.locator('#sessions-table tbody tr').count(), 3);
  await page.locator('#sessions-table tbody tr', { hasText: 'Firefox on Linux' }).first().getByRole('button', { name: /Sign out/ }).click();
  await page.locator('#flash').getByText('Firefox on Linux was signed out.').waitFor();
  assert.equal(await page.locator('#sessions-table tbody tr').count(), 2);
  const alive = [(await third.get('/api/v1/me')).status, (await fourth.get('/api/v1/me')).status].sort();
  assert.deepEqual(alive, [200, 401], 'exactly that one ended');
  await page.locator('#revoke-others').click();
  await page.getByRole('dialog').getByRole('button', { name: 'Sign out the others' }).click();
  await page.locator('#flash').getByText('Every other session was signed out.').waitFor();
  assert.equal(await page.locator('#sessions-table tbody tr').count(), 1);
  assert.equal((await third.get('/api/v1/me')).status, 401);
  assert.equal((await fourth.get('/api/v1/me')).status, 401);
  await shot(page, 'security-04-sessions');

  // the email: a link to the new address, used in this browser
  const next = uniqueEmail('sec-moved');
  await page.getByLabel('New email address').fill(next);
  await page.locator('#email-password').fill(NEW);
  await page.getByRole('button', { name: 'Change email' }).click();
  await page.locator('#flash').getByText('We sent a link to').waitFor();
  await shot(page, 'security-05-email-asked');
  const link = await verifyLinkTo(next);
  await page.goto(link);
  await page.locator('#verified').waitFor();
  assert.match(await page.locator('#verified').textContent(), new RegExp(next.replace(/[.+]/g, '\\$&')));
  assert.equal(new URL(page.url()).hash, '', 'the token left the address bar');
  await shot(page, 'security-06-verified');
  await page.getByRole('link', { name: 'Continue to the Client Area' }).click();
  await page.waitForURL(`${s.url}/portal/`);
  await page.locator('#hello-menu summary').click();
  await page.getByRole('link', { name: 'Security' }).click();
  await page.locator('#profile-email').getByText(next).waitFor();
  assert.match(await page.locator('#profile-email').textContent(), /Verified/);

  // phone width: the same page, nothing wider than the phone
  await phoneShot(browser, w, `${s.url}/portal/#security`, 'security-07-phone', async (p) => {
    await p.locator('#sessions-table').waitFor();
    const wide = await p.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= PHONE.width, `the Security page is ${wide}px wide`);
  });
  w.check();
  await w.close();
});

test('/verify-email: a bad or spent link says so, signed out it leads to sign in', async () => {
  const [, u] = await registerUser(s);
  const link = await verifyLinkTo(u.email);
  const w = await openPage(browser, { viewport: PHONE });
  const { page } = w;
  await page.goto(link);
  await page.locator('#verified').waitFor();
  assert.ok(await page.getByRole('link', { name: 'Sign in' }).isVisible(), 'signed out: on to sign in');
  await shot(page, 'verify-01-signed-out-phone');
  await page.goto(link);
  await page.locator('#verify-failed').waitFor();
  assert.match(await page.locator('#verify-failed').textContent(), /used|replaced|24 hours/);
  await shot(page, 'verify-02-spent-phone');
  await page.goto(`${s.url}/verify-email#cut-short`);
  await page.locator('#verify-failed').waitFor();
  assert.match(await page.locator('#verify-failed').textContent(), /incomplete/);
  const r = await fetch(`${s.url}/verify-email`);
  assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
  w.check();
  await w.close();
});
