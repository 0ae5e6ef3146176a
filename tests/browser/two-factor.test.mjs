// Two-factor authentication in Chromium, at desktop and phone width: the
// Security page's setup, where the test plays the authenticator app by
// reading the secret the page shows as text (no camera to scan the QR
// code with); the recovery codes shown once; the second step of /login
// and of the Admin Area's sign-in, by keyboard; an account's "Require
// two-factor authentication" and the member it sends to the Security
// page. Every state shown is checked with axe-core (shot()).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DESKTOP, PHONE, launchBrowser, openPage, shot } from '../lib/browser.mjs';
import { Client, PASSWORD, adminClient, registerUser, uniqueEmail } from '../lib/client.mjs';
import { startStack } from '../lib/stack.mjs';
import { Authenticator } from '../lib/totp.mjs';

const API = '/api/v1';
let s;
let browser;
let admin;

before(async () => {
  s = await startStack();
  admin = await adminClient(s);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await s?.stop();
});

const SIZES = [['desktop', DESKTOP], ['phone', PHONE]];

// A user with 2FA on through the API: [user, authenticator, recovery codes]
async function userWith2fa(fields) {
  const [c, u] = await registerUser(s, fields);
  const setup = await c.post(`${API}/me/2fa/setup`, { password: PASSWORD });
  const app = new Authenticator(setup.json.secret);
  const en = await c.post(`${API}/me/2fa/enable`, { code: await app.next() });
  assert.equal(en.status, 200, en.text);
  return [u, app, en.json.recovery_codes, c];
}

async function passwordStep(page, email) {
  await page.goto(`${s.url}/login`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByLabel('Password').press('Enter');
}

describe('setting up two-factor authentication on the Security page', () => {
  for (const [size, viewport] of SIZES) {
    test(`reading the secret from the page, turning it on, the recovery codes once (${size})`, async () => {
      const [, u] = await registerUser(s, { first_name: 'Sam', last_name: 'Secure' });
      const w = await openPage(browser, { viewport });
      const { page } = w;
      try {
        await passwordStep(page, u.email);
        await page.waitForURL(`${s.url}/portal/`);
        await page.goto(`${s.url}/portal/#security`);
        await page.getByRole('heading', { name: 'Security', level: 1 }).waitFor();
        const section = page.locator('#two-factor');
        await section.getByText('Off', { exact: true }).waitFor();
        await shot(page, `96-2fa-off-${size}`);
        await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();
        // the password, by keyboard
        await page.getByLabel('Your password').fill('not my password');
        await page.keyboard.press('Enter');
        await page.locator('#two-factor .field-error:not([hidden])').waitFor();
        await page.getByLabel('Your password').fill(PASSWORD);
        await page.keyboard.press('Enter');
        // the QR code, and the key as text for the app
        const img = page.getByRole('img', { name: /QR code of your two-factor secret/ });
        await img.waitFor();
        assert.ok(await img.evaluate((el) => el.complete && el.naturalWidth > 0), 'the QR SVG draws');
        const shown = (await page.locator('code.secret').textContent()).replace(/\s+/g, '');
        assert.match(shown, /^[A-Z2-7]{32}$/);
        await shot(page, `96-2fa-scan-${size}`);
        const app = new Authenticator(shown);
        const code = page.getByLabel('Code from the app');
        assert.equal(await code.evaluate((el) => el === document.activeElement), true, 'focus is on the code');
        await code.fill('000000' === (await app.next()) ? '111111' : '000000');
        await page.keyboard.press('Enter');
        await page.locator('#two-factor .field-error:not([hidden])').waitFor();
        await code.fill(await app.next());
        await page.getByRole('button', { name: 'Turn on' }).click();
        const list = page.locator('ul.recovery-codes li');
        await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
        assert.equal(await list.count(), 10);
        const codes = await list.allTextContents();
        await shot(page, `96-2fa-recovery-codes-${size}`);
        await page.getByRole('button', { name: 'I have saved my recovery codes' }).click();
        await page.getByRole('button', { name: 'Get new recovery codes' }).waitFor();
        assert.equal(await page.locator('ul.recovery-codes').count(), 0, 'shown once');
        assert.equal(s.sql(`SELECT totp_enabled_at IS NOT NULL FROM users WHERE id = ${u.id}`)[0][0], 't');
        // a recovery code works at the API: the page gave real ones
        const c = new Client(s.url);
        const ch = await c.post(`${API}/auth/login`, { email: u.email, password: PASSWORD });
        const r = await c.post(`${API}/auth/login/2fa`, { challenge: ch.json.challenge, recovery_code: codes[0] });
        assert.equal(r.status, 200, r.text);
        // turning it off again, with a code
        await page.getByRole('button', { name: 'Turn off' }).click();
        await page.getByLabel('Your password').fill(PASSWORD);
        await page.getByLabel('Code from the app').fill(await app.next());
        await page.getByRole('button', { name: 'Turn off two-factor authentication' }).click();
        await page.getByText('Two-factor authentication is off.').waitFor();
        w.check();
      } finally {
        await w.close();
      }
    });
  }
});

describe('the second step of signing in', () => {
  for (const [size, viewport] of SIZES) {
    test(`/login asks for the code after the password, and lands in the Client Area (${size})`, async () => {
      const [u, app] = await userWith2fa();
      const w = await openPage(browser, { viewport });
      const { page } = w;
      try {
        await passwordStep(page, u.email);
        const code = page.getByLabel('Authentication code');
        await code.waitFor();
        assert.equal(await code.evaluate((el) => el === document.activeElement), true, 'focus is on the code');
        assert.equal((await w.context.cookies()).filter((c) => c.name === 'memberd_session').length, 0, 'no session yet');
        await shot(page, `97-2fa-login-step-${size}`);
        await code.fill(app.replay());
        await page.keyboard.press('Enter');
        const err = page.locator('#two-factor-form .field-error:not([hidden])');
        await err.waitFor();
        assert.match(await err.textContent(), /not correct/);
        await shot(page, `97-2fa-login-wrong-${size}`);
        await code.fill(await app.next());
        await page.keyboard.press('Enter');
        await page.waitForURL(`${s.url}/portal/`);
        await page.locator('#page-title').waitFor();
        w.check();
      } finally {
        await w.close();
      }
    });
  }

  test('a recovery code signs in from /login', async () => {
    const [u, , codes] = await userWith2fa();
    const w = await openPage(browser);
    const { page } = w;
    try {
      await passwordStep(page, u.email);
      await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
      const input = page.getByLabel('Recovery code');
      assert.equal(await input.evaluate((el) => el === document.activeElement), true);
      await input.fill(codes[5]);
      await page.keyboard.press('Enter');
      await page.waitForURL(`${s.url}/portal/`);
      w.check();
    } finally {
      await w.close();
    }
  });

  test('the invitation page signs a user with 2FA in with the code, then accepts', async () => {
    const [u, app] = await userWith2fa();
    const owner = (await registerUser(s))[1];
    const acct = (await admin.post(`${API}/admin/clients`, {
      company_name: 'Invite Two Co', first_name: 'I', last_name: 'T', owner: { user_id: owner.id },
    })).json.client;
    const inv = await admin.post(`${API}/admin/clients/${acct.id}/users`, { email: u.email, permissions: ['tickets'], send_invite: true });
    assert.equal(inv.status, 201, inv.text);
    const mail = await s.waitForMail((raw) => raw.includes(u.email) && raw.includes('Account Access Invitation'));
    const link = mail.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=').match(/https?:\/\/\S+?\/invite#[A-Za-z0-9_-]{43}/)[0];
    const w = await openPage(browser);
    const { page } = w;
    try {
      await page.goto(link);
      await page.locator('#login-password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in and accept' }).click();
      const code = page.getByLabel('Authentication code');
      await code.waitFor();
      await shot(page, '97-2fa-invite-step');
      await code.fill(await app.next());
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/portal\//);
      await page.getByText('Invitation accepted').waitFor();
      assert.equal(s.sql(`SELECT count(*) FROM client_users WHERE client_id = ${acct.id} AND user_id = ${u.id}`)[0][0], '1');
      w.check();
    } finally {
      await w.close();
    }
  });

  test('the Admin Area asks an administrator with 2FA for the code', async () => {
    const email = uniqueEmail('tfadmin');
    const a = await adminClient(s, email, 'Tia Factor');
    const setup = await a.post(`${API}/admin/me/2fa/setup`, { password: PASSWORD });
    const app = new Authenticator(setup.json.secret);
    assert.equal((await a.post(`${API}/admin/me/2fa/enable`, { code: await app.next() })).status, 200);
    for (const [size, viewport] of SIZES) {
      const w = await openPage(browser, { viewport });
      const { page } = w;
      try {
        await page.goto(`${s.url}/admin/`);
        await page.getByLabel('Email address').fill(email);
        await page.getByLabel('Password').fill(PASSWORD);
        await page.keyboard.press('Enter');
        await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
        await shot(page, `97-2fa-admin-step-${size}`);
        await page.getByLabel('Authentication code').fill(await app.next());
        await page.keyboard.press('Enter');
        await page.getByRole('heading', { name: 'Clients' }).waitFor();
        if (size === 'desktop') {
          // the administrator's own 2FA, from the account menu
          await page.locator('#admin-account summary').click();
          await page.getByRole('link', { name: 'Two-factor authentication' }).click();
          await page.locator('#two-factor').getByText('On', { exact: true }).waitFor();
          await page.getByRole('button', { name: 'Get new recovery codes' }).click();
          await page.getByLabel('Code from the app').fill(await app.next());
          await page.keyboard.press('Enter');
          await page.getByRole('heading', { name: 'Your recovery codes' }).waitFor();
          assert.equal(await page.locator('ul.recovery-codes li').count(), 10);
          await shot(page, '97-2fa-admin-recovery-codes');
        }
        w.check();
      } finally {
        await w.close();
      }
    }
  });
});

describe('an account that requires two-factor authentication', () => {
  test('the owner turns it on in User Management; a member without 2FA is sent to the Security page', async () => {
    const [owner2fa, ownerApp, , ownerApi] = await userWith2fa({ first_name: 'Olga', last_name: 'Owner' });
    void ownerApi;
    const acct = (await admin.post(`${API}/admin/clients`, {
      company_name: 'Careful Hosting', first_name: 'O', last_name: 'O', owner: { user_id: owner2fa.id },
    })).json.client;
    const [mc, member] = await registerUser(s, { first_name: 'Max', last_name: 'Member' });
    await admin.post(`${API}/admin/clients/${acct.id}/users`, { user_id: member.id, permissions: ['tickets'], send_invite: false });
    void mc;

    for (const [size, viewport] of SIZES) {
      const w = await openPage(browser, { viewport });
      const { page } = w;
      try {
        await passwordStep(page, owner2fa.email);
        await page.getByLabel('Authentication code').fill(await ownerApp.next());
        await page.keyboard.press('Enter');
        await page.waitForURL(`${s.url}/portal/`);
        const row = (email) => page.locator('#members tbody tr', { hasText: email });
        await row(member.email).waitFor();
        assert.equal((await row(owner2fa.email).locator('td.cell-2fa').textContent()).trim(), 'On');
        assert.equal((await row(member.email).locator('td.cell-2fa').textContent()).trim(), 'Off');
        const box = page.getByRole('checkbox', { name: 'Require two-factor authentication' });
        if (size === 'desktop') {
          assert.equal(await box.isChecked(), false);
          await box.focus();
          await page.keyboard.press('Space');
          await page.getByText('Two-factor authentication is now required').waitFor();
          assert.equal(s.sql(`SELECT require_2fa FROM clients WHERE id = ${acct.id}`)[0][0], 't');
        }
        assert.equal(await box.isChecked(), true);
        await shot(page, `98-2fa-require-${size}`);
        w.check();
      } finally {
        await w.close();
      }
    }

    // the member signs in: the account is not made active, and choosing it leads to Security
    const w = await openPage(browser);
    const { page } = w;
    try {
      await passwordStep(page, member.email);
      await page.waitForURL(`${s.url}/portal/`);
      await page.getByRole('heading', { name: /Hello, Max!/ }).waitFor();
      await page.locator('#account-menu summary').click();
      await page.getByRole('button', { name: /Careful Hosting/ }).click();
      await page.getByRole('heading', { name: 'Security', level: 1 }).waitFor();
      await page.locator('#flash').getByText('requires two-factor authentication').waitFor();
      await page.getByRole('button', { name: 'Set up two-factor authentication' }).waitFor();
      await shot(page, '98-2fa-required-led-to-security');
      w.check();
    } finally {
      await w.close();
    }
  });
});
