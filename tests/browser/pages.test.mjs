// The pages around the story: the headers nginx sends with them, the
// harness that fails a test on a CSP violation, sign-in, register and
// password reset with their errors next to the fields, a keyboard-only
// invitation, and links that lead nowhere. Screenshots at desktop and
// phone width go to test-output/screenshots/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { PHONE, launchBrowser, openPage, phoneShot, shot } from '../lib/browser.mjs';
import { PASSWORD, adminClient, registerUser, uniqueEmail } from '../lib/client.mjs';
import { startStack, waitFor } from '../lib/stack.mjs';

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

const CSP = /script-src 'self'; style-src 'self';/;

test('every page is served with a strict CSP, no framing, and no Referer where a token travels', async () => {
  for (const p of ['/', '/login', '/register', '/reset-password', '/portal/', '/admin/', '/invite',
    '/invite.html', '/sso', '/verify-email', '/assets/portal.css', '/assets/js/portal.js']) {
    const r = await fetch(s.url + p);
    assert.equal(r.status, 200, p);
    const csp = r.headers.get('content-security-policy') || '';
    assert.match(csp, CSP, p);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/, p);
    assert.match(csp, /frame-ancestors 'none'/, p);
    assert.match(csp, /require-trusted-types-for 'script'/, p);
    assert.equal(r.headers.get('x-frame-options'), 'DENY', p);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
    const want = /^\/(invite|reset-password|sso|verify-email)/.test(p) ? 'no-referrer' : 'same-origin';
    assert.equal(r.headers.get('referrer-policy'), want, p);
  }
  // the pages ship no inline script or style, and load nothing from elsewhere
  for (const p of ['/', '/login', '/register', '/reset-password', '/portal/', '/admin/', '/invite', '/sso', '/verify-email']) {
    const html = await (await fetch(s.url + p)).text();
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, `${p}: inline script`);
    assert.doesNotMatch(html, /<style|\sstyle=|\son[a-z]+=/i, `${p}: inline style or handler`);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i, `${p}: an asset from elsewhere`);
  }
  // the API keeps its own nosniff, once
  const api = await fetch(`${s.url}/api/v1/health`);
  assert.equal(api.headers.get('x-content-type-options'), 'nosniff');
  // /portal without its slash lands on /portal/
  const bare = await fetch(`${s.url}/portal`, { redirect: 'manual' });
  assert.equal(bare.status, 301);
  assert.match(bare.headers.get('location'), /\/portal\/$/);
});

test('the harness catches a CSP violation and markup written as a string', async () => {
  const w = await openPage(browser);
  await w.page.goto(`${s.url}/login`);
  await w.page.evaluate(() => {
    document.body.setAttribute('style', 'color: red');
    try {
      document.body.insertAdjacentHTML('beforeend', '<b>markup</b>');
    } catch { /* Trusted Types refuses it */ }
  });
  await waitFor('the violations reported', () => w.problems.filter((p) => p.includes('CSP violation')).length >= 2);
  assert.match(w.problems.join('\n'), /style-src/);
  assert.match(w.problems.join('\n'), /trusted-types/);
  assert.equal(await w.page.locator('b').count(), 0);
  assert.throws(() => w.check(), /the page had problems/);
  await w.close();
});

test('register, sign out and sign in again, with each error next to its field', async () => {
  const w = await openPage(browser);
  const { page } = w;
  const [, taken] = await registerUser(s, { email: uniqueEmail('taken') });
  await page.goto(`${s.url}/register`);
  await shot(page, '01-register');
  await page.getByRole('button', { name: 'Create account' }).click();
  for (const label of ['First name', 'Last name', 'Email address', 'Password']) {
    assert.equal(await page.getByLabel(label).getAttribute('aria-invalid'), 'true', label);
  }
  assert.equal(await page.evaluate(() => document.activeElement.id), 'first_name');
  await page.getByLabel('First name').fill('Rita');
  await page.getByLabel('Last name').fill('Reyes');
  await page.getByLabel('Email address').fill(taken.email);
  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.getByText('at least 10 characters', { exact: false }).first().waitFor();
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  const emailError = page.locator('#email').locator('xpath=..').locator('.field-error');
  await waitFor('email_taken shown', async () => /already exists/.test(await emailError.textContent()));
  assert.equal(await page.getByLabel('Email address').getAttribute('aria-invalid'), 'true');
  await shot(page, '02-register-errors');
  await phoneShot(browser, w, `${s.url}/register`, '02-register-phone');

  const rita = uniqueEmail('rita');
  await page.getByLabel('Email address').fill(rita);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${s.url}/portal/`);
  await page.locator('#no-account').waitFor();
  assert.equal(await page.locator('#hello-menu summary').textContent(), 'Hello, Rita!');
  await shot(page, '03-portal-no-account');

  await page.locator('#hello-menu summary').click();
  await shot(page, '04-portal-hello-menu');
  await phoneShot(browser, w, `${s.url}/portal/`, '04-portal-hello-menu-phone',
    (p) => p.locator('#hello-menu summary').click());
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(`${s.url}/login`);

  await page.getByLabel('Email address').fill(rita);
  await page.getByLabel('Password').fill('not the password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const pwError = page.locator('#password').locator('xpath=..').locator('.field-error');
  await pwError.waitFor();
  assert.match(await pwError.textContent(), /\S/);
  await shot(page, '05-login-error');
  await phoneShot(browser, w, `${s.url}/login`, '05-login-phone');
  // ?next= never leads off the site, however it is spelled
  await page.goto(`${s.url}/login?next=${encodeURIComponent('/\t/evil.example/x')}`);
  await page.getByLabel('Email address').fill(rita);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${s.url}/portal/`);
  await page.locator('#no-account').waitFor();
  w.check();
  await w.close();
});

test('a forgotten password is reset through the emailed link, which works once', async () => {
  const [, user] = await registerUser(s, { email: uniqueEmail('forgetful'), first_name: 'Fay' });
  const w = await openPage(browser);
  const { page } = w;
  await page.goto(`${s.url}/reset-password`);
  await shot(page, '06-reset-request');
  await page.getByLabel('Email address').fill('fay@');
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await page.locator('#request-form .field-error', { hasText: 'name@example.com' }).waitFor();
  await page.getByLabel('Email address').fill(user.email);
  await page.getByRole('button', { name: 'Send reset link' }).click();
  await page.getByRole('status').filter({ hasText: 'Check your inbox' }).waitFor();
  await shot(page, '07-reset-requested');

  const m = await waitFor('the reset email', () => s.mails().find((x) => x.raw.includes(user.email) && /^Subject: Password Reset/m.test(x.raw)), { timeout: 30000 });
  const mail = await simpleParser(m.raw);
  const link = mail.text.match(/https?:\/\/\S+\/reset-password#[A-Za-z0-9_-]{43}/)[0];
  await page.goto(link);
  await page.getByLabel('New password', { exact: true }).fill('a brand new password');
  await page.getByLabel('Repeat the new password').fill('another password entirely');
  await page.getByRole('button', { name: 'Set new password' }).click();
  assert.equal(await page.getByLabel('Repeat the new password').getAttribute('aria-invalid'), 'true');
  await shot(page, '08-reset-mismatch');
  await page.getByLabel('Repeat the new password').fill('a brand new password');
  await page.getByRole('button', { name: 'Set new password' }).click();
  await page.getByRole('status').filter({ hasText: 'Your password has been changed' }).waitFor();
  await page.getByRole('link', { name: 'Sign in' }).click();
  await page.getByRole('status').filter({ hasText: 'Sign in with the new one' }).waitFor();
  await page.getByLabel('Email address').fill(user.email);
  await page.getByLabel('Password').fill('a brand new password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${s.url}/portal/`);

  // the same link again: refused before any password is typed (issue 17,
  // item 10), with a way to ask for another
  await page.goto('about:blank');
  await page.goto(link);
  const alert = page.locator('#link-invalid');
  await alert.waitFor();
  assert.match(await alert.textContent(), /used already/);
  assert.equal(await page.getByLabel('New password', { exact: true }).isVisible(), false);
  assert.equal(await page.getByRole('link', { name: 'Ask for a new link' }).count(), 1);
  await shot(page, '09-reset-used-link');
  w.check();
  await w.close();
});

test('with the keyboard alone, an owner signs in and sends an invitation', async () => {
  const [, kim] = await registerUser(s, { email: uniqueEmail('kim'), first_name: 'Kim', last_name: 'Keys' });
  const admin = await adminClient(s);
  const r = await admin.post('/api/v1/admin/clients', {
    company_name: 'Keyboard Co', first_name: 'Kim', last_name: 'Keys', owner: { user_id: kim.id },
  });
  assert.equal(r.status, 201, r.text);

  const w = await openPage(browser);
  const { page } = w;
  const focused = () => page.evaluate(() => {
    const el = document.activeElement;
    return { id: el.id, tag: el.tagName, text: el.textContent.trim(), label: el.labels?.[0]?.textContent.trim() || '' };
  });
  // Tab until pred(focused) holds
  const tabTo = async (what, pred) => {
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      if (pred(await focused())) return;
    }
    throw new Error(`Tab never reached ${what}`);
  };

  await page.goto(`${s.url}/login?next=%2Fportal%2F`);
  await page.keyboard.type(kim.email); // the email field has focus on arrival
  await page.keyboard.press('Tab');
  await page.keyboard.type(PASSWORD);
  // focus is visible: a real outline on the focused control
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none');
  await page.keyboard.press('Enter');
  await page.waitForURL(`${s.url}/portal/`);
  await page.locator('#invite-form').waitFor();

  const email = uniqueEmail('keyed');
  await tabTo('the invite email', (f) => f.id === 'invite-email');
  await page.keyboard.type(email);
  await tabTo('All Permissions', (f) => f.label.startsWith('All Permissions'));
  await page.keyboard.press('ArrowRight');
  await page.locator('.perm-grid').waitFor();
  await tabTo('View and pay invoices', (f) => f.label === 'View and pay invoices');
  await page.keyboard.press('Space');
  await tabTo('View and open support tickets', (f) => f.label === 'View and open support tickets');
  await page.keyboard.press('Space');
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(ring, 'none', 'a focused checkbox shows its ring');
  await shot(page, '10-keyboard-invite');
  await tabTo('Send Invite', (f) => f.text === 'Send Invite');
  await page.keyboard.press('Enter');
  const row = page.locator('#invites tbody tr', { hasText: email });
  await row.waitFor();
  assert.deepEqual(await row.locator('[data-perm]').allTextContents(),
    ['View and pay invoices', 'View and open support tickets']);

  // Escape closes a confirmation without doing anything
  await row.getByRole('button', { name: 'Cancel Invite' }).focus();
  await page.keyboard.press('Enter');
  await page.getByRole('dialog').waitFor();
  await page.keyboard.press('Escape');
  await page.getByRole('dialog').waitFor({ state: 'detached' });
  assert.equal(await row.count(), 1);

  // a session that ends while the page is open leads back to sign in
  // (Resend past its cooldown, so that it can be pressed)
  s.sql(`UPDATE invites SET last_sent_at = now() - interval '1 hour' WHERE lower(email) = lower('${email}')`);
  await page.reload();
  await row.waitFor();
  s.sql(`DELETE FROM sessions WHERE user_id = ${kim.id}`);
  await row.getByRole('button', { name: 'Resend Invite' }).click();
  await page.waitForURL(/\/login\?next=%2Fportal%2F/);
  w.check();
  await w.close();
});

test('invitation links that lead nowhere say so, and the portal pages read well on a phone', async () => {
  const w = await openPage(browser, { viewport: PHONE });
  const { page } = w;
  await page.goto(`${s.url}/invite`);
  await page.locator('#invite-dead[data-code="missing"]').waitFor();
  await shot(page, '11-invite-incomplete-phone');
  await page.goto(`${s.url}/invite#${'A'.repeat(43)}`);
  await page.locator('#invite-dead[data-code="invite_not_found"]').waitFor();
  assert.match(await page.locator('#invite-dead').textContent(), /ask the person who invited you/);
  await shot(page, '12-invite-unknown-phone');
  for (const [p, name] of [['/', '13-index-phone'], ['/reset-password', '14-reset-phone'], ['/admin/', '15-admin-sign-in-phone']]) {
    await page.goto(s.url + p);
    await page.locator('main').waitFor();
    await page.waitForLoadState('networkidle');
    await shot(page, name);
  }
  // nothing on a phone page is wider than the phone
  for (const p of ['/', '/login', '/register', '/reset-password', '/admin/', '/invite']) {
    await page.goto(s.url + p);
    await page.waitForLoadState('networkidle');
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= PHONE.width, `${p} is ${wide}px wide`);
  }
  w.check();
  await w.close();
});
