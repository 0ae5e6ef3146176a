// The Admin Area's users in Chromium (issue 14): support finds a user in
// Users, opens their page, edits them, disables and enables them, edits
// a client's profile, and uses Login as User: the Client Area shows the
// banner "Signed in as ... by ...", and Return to Admin Area ends that
// session and comes back. Each state at desktop and phone width, with
// axe-core, and by keyboard where the story is typed.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { adminSignIn, launchBrowser, openPage, phoneShot, shot } from '../lib/browser.mjs';
import { adminClient, registerUser, uniqueEmail } from '../lib/client.mjs';
import { startStack } from '../lib/stack.mjs';

let s;
let browser;
let admin;

before(async () => {
  s = await startStack();
  browser = await launchBrowser();
  admin = await adminClient(s, uniqueEmail('admin'), 'Ada Admin');
});

after(async () => {
  await browser?.close();
  await s?.stop();
});

test('Users: search by keyboard, a user\'s page, Edit, Disable and Enable, client Edit, Login as User and the way back', async () => {
  const tag = `brw${process.pid}`;
  const [, u] = await registerUser(s, { email: `${tag}.wanda@example.com`, first_name: 'Wanda', last_name: 'Webb' });
  for (let i = 0; i < 3; i++) await registerUser(s, { email: `${tag}.other${i}@example.com`, first_name: 'Other', last_name: `Person${i}` });
  const c = await admin.post('/api/v1/admin/clients', { company_name: 'Webb Hosting', first_name: 'Wanda', last_name: 'Webb', owner: { user_id: u.id } });
  assert.equal(c.status, 201, c.text);

  const w = await openPage(browser);
  const { page } = w;
  await adminSignIn(page, s.url, admin.email);

  // the directory, beside Clients, searched by keyboard
  await page.getByRole('link', { name: 'Users', exact: true }).click();
  await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
  await page.getByLabel('Search users').focus();
  await page.keyboard.type(`${tag}.`);
  await page.keyboard.press('Enter');
  await page.locator('#users-list tbody tr').nth(3).waitFor();
  assert.equal(await page.locator('#users-list tbody tr').count(), 4);
  await page.locator('.pager').getByText('Showing 1–4 of 4').waitFor();
  await shot(page, 'a1-admin-users');
  await phoneShot(browser, w, page.url(), 'a1-admin-users-phone', (p) => p.locator('#users-list tbody tr').nth(3).waitFor());

  // a user's page: details and the accounts, with a link to the client
  await page.getByRole('link', { name: 'Wanda Webb' }).click();
  await page.getByRole('heading', { name: 'Wanda Webb', level: 1 }).waitFor();
  await page.locator('#accounts').getByRole('link', { name: 'Webb Hosting' }).waitFor();
  assert.equal(await page.locator('#detail-2fa').textContent(), 'Off');
  await shot(page, 'a2-admin-user');
  await phoneShot(browser, w, page.url(), 'a2-admin-user-phone', (p) => p.locator('#accounts').waitFor());

  // Edit: the dialog, a taken address refused next to its field, then saved
  await page.getByRole('button', { name: 'Edit', exact: true }).click();
  const dlg = page.getByRole('dialog', { name: 'Edit user' });
  await dlg.getByLabel('Last name').fill('Webb-Smith');
  await dlg.getByLabel('Email address', { exact: true }).fill(`${tag}.other0@example.com`);
  await dlg.getByRole('button', { name: 'Save' }).click();
  await dlg.getByText(/already|taken|another user/i).first().waitFor();
  await shot(page, 'a3-admin-user-edit-taken');
  await dlg.getByLabel('Email address', { exact: true }).fill(u.email);
  await dlg.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('heading', { name: 'Wanda Webb-Smith', level: 1 }).waitFor();

  // Reset 2FA: offered only while it is on, asked first (i13b's endpoint)
  assert.equal(await page.getByRole('button', { name: 'Reset 2FA' }).count(), 0, 'no Reset 2FA while 2FA is off');
  s.sql(`UPDATE users SET totp_enabled_at = now() WHERE id = ${u.id}`);
  await page.reload();
  await page.locator('#detail-2fa').getByText('On').waitFor();
  await page.getByRole('button', { name: 'Reset 2FA' }).click();
  await page.getByRole('dialog', { name: 'Reset two-factor authentication?' }).getByRole('button', { name: 'Reset 2FA' }).click();
  await page.locator('#detail-2fa').getByText('Off').waitFor();
  assert.equal(s.sql(`SELECT totp_enabled_at IS NULL FROM users WHERE id = ${u.id}`)[0][0], 't');

  // Disable (asked first), then Enable
  await page.getByRole('button', { name: 'Disable', exact: true }).click();
  await page.getByRole('dialog', { name: 'Disable this user?' }).getByRole('button', { name: 'Disable' }).click();
  await page.locator('#detail-status').getByText('Disabled').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Login as User' }).count(), 0, 'no Login as User for a disabled user');
  await page.getByRole('button', { name: 'Enable', exact: true }).click();
  await page.getByRole('dialog', { name: 'Enable this user?' }).getByRole('button', { name: 'Enable' }).click();
  await page.locator('#detail-status').getByText('Active').waitFor();

  // the client's page: Edit its profile
  await page.locator('#accounts').getByRole('link', { name: 'Webb Hosting' }).click();
  await page.locator('#client-title').getByText('Webb Hosting').waitFor();
  await page.getByRole('button', { name: 'Edit', exact: true }).click();
  const cd = page.getByRole('dialog', { name: 'Edit client' });
  await cd.getByLabel('Company name').fill('Webb Hosting Ltd');
  await shot(page, 'a4-admin-client-edit');
  await cd.getByRole('button', { name: 'Save' }).click();
  await page.locator('#client-title').getByText('Webb Hosting Ltd').waitFor();
  await phoneShot(browser, w, page.url(), 'a4-admin-client-phone', (p) => p.locator('#login-as-owner').waitFor());

  // Login as Owner: the Client Area with the banner
  await page.getByRole('button', { name: 'Login as Owner' }).click();
  await page.waitForURL(/\/portal\/$/);
  const banner = page.locator('#impersonation');
  await banner.waitFor();
  assert.match(await banner.textContent(), /Signed in as Wanda Webb-Smith by Ada Admin/);
  await shot(page, 'a5-portal-impersonated');
  await phoneShot(browser, w, page.url(), 'a5-portal-impersonated-phone', (p) => p.locator('#impersonation').waitFor());
  const audit = s.sql(`SELECT actor_kind, action FROM audit_log WHERE client_id = ${c.json.client.id} AND action = 'admin_login_as'`);
  assert.deepEqual(audit, [['admin', 'admin_login_as']]);

  // Return to Admin Area: that session ends, the admin's stays
  await banner.getByRole('button', { name: 'Return to Admin Area' }).click();
  await page.waitForURL(/\/admin\/$/);
  await page.getByRole('heading', { name: 'Clients' }).waitFor();
  assert.equal(Number(s.sql(`SELECT count(*) FROM sessions WHERE impersonated_by IS NOT NULL`)[0][0]), 0);
  w.check();
  await w.close();
});

test('an SSO link signs in once and lands on its destination; used again, the page says so', async () => {
  const [, u] = await registerUser(s, { first_name: 'Sam', last_name: 'Sso' });
  const c = await admin.post('/api/v1/admin/clients', { company_name: 'Sso Panel', first_name: 'Sam', last_name: 'Sso', owner: { user_id: u.id } });
  assert.equal(c.status, 201, c.text);
  const t = await admin.post(`/api/v1/admin/users/${u.id}/sso-token`, { client_id: c.json.client.id, destination: '/portal/?from=panel' });
  assert.equal(t.status, 201, t.text);

  const w = await openPage(browser);
  await w.page.goto(t.json.url);
  await w.page.waitForURL(/\/portal\/\?from=panel$/);
  await w.page.getByRole('heading', { name: 'User Management' }).waitFor();
  assert.equal(await w.page.locator('#impersonation').count(), 0, 'an SSO sign-in is the user\'s own');
  w.check();
  await w.close();

  const again = await openPage(browser);
  await again.page.goto(t.json.url);
  await again.page.getByText(/used already or has expired/).waitFor();
  assert.doesNotMatch(again.page.url(), /#/, 'the token left the address bar');
  await shot(again.page, 'a6-sso-used');
  await phoneShot(browser, again, `${s.url}/sso`, 'a6-sso-incomplete-phone', (p) => p.getByText(/not complete/).waitFor());
  again.check();
  await again.close();
});
