// Issue 11 in Chromium. The Admin Area, asked to associate at once an
// address that someone registered meanwhile without verifying it, says so
// and sends an invitation instead in one click; the New Client form says
// the same of such an owner. A delegate's User Management offers nothing
// on the users and invitations beyond its own permissions, and says why;
// giving up its own "Manage users and invitations" asks first and then
// redraws the page without User Management.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchBrowser, openPage, shot } from '../lib/browser.mjs';
import { PASSWORD, adminClient, registerUser, uniqueEmail } from '../lib/client.mjs';
import { startStack, waitFor } from '../lib/stack.mjs';

const API = '/api/v1';
const ADMIN = { email: uniqueEmail('ada'), name: 'Ada Admin' };
let s;
let browser;
let admin;

before(async () => {
  s = await startStack();
  admin = await adminClient(s, ADMIN.email, ADMIN.name);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await s?.stop();
});

async function account(company) {
  const [owner, user] = await registerUser(s, { first_name: 'Olivia', last_name: 'Owner' });
  const r = await admin.post(`${API}/admin/clients`, { company_name: company, first_name: 'Olivia', last_name: 'Owner', owner: { user_id: user.id } });
  assert.equal(r.status, 201, r.text);
  assert.equal((await owner.post(`${API}/me/active-account`, { client_id: r.json.client.id })).status, 200);
  return { owner, user, id: r.json.client.id };
}

async function adminSignIn(page) {
  await page.goto(`${s.url}/admin/`);
  await page.getByLabel('Email address').fill(ADMIN.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Clients' }).waitFor();
}

const memberRow = (page, email) => page.locator('#members tbody tr', { hasText: email });
const inviteRow = (page, email) => page.locator('#invites tbody tr', { hasText: email });

test('the Admin Area refuses to associate an unverified address at once and offers an invitation instead', async () => {
  const acct = await account('Victim Hosting');
  const tab = await openPage(browser);
  const { page } = tab;
  await adminSignIn(page);
  await page.goto(`${s.url}/admin/#/clients/${acct.id}`);
  await page.locator('#client-title').waitFor();

  // the address is new when the administrator picks it...
  const victim = uniqueEmail('ceo');
  await page.getByRole('button', { name: 'Associate User' }).click();
  await page.getByRole('combobox', { name: 'Select User' }).fill(victim);
  await page.getByRole('option', { name: /Create new user/ }).click();
  await page.getByRole('radio', { name: 'No', exact: true }).check();
  // ...and someone registers it before the form is sent
  const [squatter, squat] = await registerUser(s, { email: victim, first_name: 'Eve', last_name: 'Attacker' });
  await page.locator('#associate-form').getByRole('button', { name: 'Associate User' }).click();
  const err = page.locator('#associate-form .field-error:not([hidden])');
  await err.waitFor();
  assert.match(await err.textContent(), /not verified/);
  const offer = page.getByRole('button', { name: 'Send an invitation instead' });
  await offer.waitFor();
  await shot(page, '90-admin-associate-email-unverified');
  assert.equal(Number(s.sql(`SELECT count(*) FROM client_users WHERE user_id = ${squat.id}`)[0][0]), 0);

  await offer.click();
  await page.getByRole('status').filter({ hasText: 'Invitation sent to' }).waitFor();
  await inviteRow(page, victim).waitFor();
  assert.equal(Number(s.sql(`SELECT count(*) FROM client_users WHERE user_id = ${squat.id}`)[0][0]), 0, 'still no access');
  assert.deepEqual((await squatter.get(`${API}/me`)).json.accounts, []);

  // Select User says which users never verified their address
  await page.getByRole('button', { name: 'Associate User' }).click();
  await page.getByRole('combobox', { name: 'Select User' }).fill(victim);
  const option = page.getByRole('option', { name: /Eve Attacker/ });
  await option.waitFor();
  assert.match(await option.textContent(), /Email not verified/);
  await page.keyboard.press('Escape');

  // New Client with such an owner, chosen by address: said next to Owner
  const owner2 = uniqueEmail('owner');
  await page.goto(`${s.url}/admin/#/clients/new`);
  await page.getByLabel('Contact first name').fill('Cee');
  await page.getByLabel('Contact last name').fill('Eo');
  await page.getByRole('combobox', { name: 'Owner' }).fill(owner2);
  await page.getByRole('option', { name: /Create new user/ }).click();
  await registerUser(s, { email: owner2 });
  await page.getByRole('button', { name: 'Create Client' }).click();
  const ownerErr = page.locator('#new-client-form .field-error:not([hidden])');
  await ownerErr.waitFor();
  assert.match(await ownerErr.textContent(), /not verified/);
  await shot(page, '91-admin-new-client-owner-unverified');
  assert.equal(Number(s.sql(`SELECT count(*) FROM clients WHERE first_name = 'Cee'`)[0][0]), 0);
  tab.check();
  await tab.close();
});

test('a delegate sees why it cannot act beyond its permissions, and is warned before giving up managing users', async () => {
  const acct = await account('Delegated Ltd');
  const join = async (permissions, fields) => {
    const [c, u] = await registerUser(s, fields);
    const r = await admin.post(`${API}/admin/clients/${acct.id}/users`, { user_id: u.id, permissions, send_invite: false });
    assert.equal(r.status, 201, r.text);
    assert.equal((await c.post(`${API}/me/active-account`, { client_id: acct.id })).status, 200);
    return u;
  };
  const dana = await join(['users', 'domains', 'invoices'], { first_name: 'Dana', last_name: 'Delegate' });
  const big = await join('all', { first_name: 'Bo', last_name: 'Big' });
  const small = await join(['domains'], { first_name: 'Sam', last_name: 'Small' });
  const ticketsTo = uniqueEmail('tickets');
  const domainsTo = uniqueEmail('domains');
  assert.equal((await acct.owner.post(`${API}/account/invites`, { email: ticketsTo, permissions: ['tickets'] })).status, 201);
  assert.equal((await acct.owner.post(`${API}/account/invites`, { email: domainsTo, permissions: ['domains'] })).status, 201);

  const tab = await openPage(browser);
  const { page } = tab;
  await page.goto(`${s.url}/login`);
  await page.getByLabel('Email address').fill(dana.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${s.url}/portal/`);
  await page.locator('#members').waitFor();

  // beyond its reach: no buttons, a reason
  for (const row of [memberRow(page, big.email), inviteRow(page, ticketsTo)]) {
    assert.equal(await row.getByRole('button').count(), 0, await row.textContent());
    assert.match(await row.locator('.row-note').textContent(), /permissions you do not have/);
  }
  assert.equal(await memberRow(page, acct.user.email).getByRole('button').count(), 0, 'the owner: nothing');
  // within it: the usual actions
  await memberRow(page, small.email).getByRole('button', { name: 'Manage Permissions' }).waitFor();
  await memberRow(page, small.email).getByRole('button', { name: 'Remove Access' }).waitFor();
  await inviteRow(page, domainsTo).getByRole('button', { name: 'Resend Invite' }).waitFor();
  await inviteRow(page, domainsTo).getByRole('button', { name: 'Cancel Invite' }).waitFor();
  await shot(page, '92-portal-delegate-reach');

  // giving up its own "users": asked first; "Keep it" changes nothing
  await memberRow(page, dana.email).getByRole('button', { name: 'Manage Permissions' }).click();
  const perms = page.getByRole('dialog', { name: 'Manage Permissions' });
  await perms.getByLabel('Manage users and invitations').uncheck();
  await perms.getByRole('button', { name: 'Save Changes' }).click();
  const warn = page.getByRole('dialog', { name: 'Stop managing users?' });
  await warn.waitFor();
  await shot(page, '93-portal-delegate-gives-up-users');
  await warn.getByRole('button', { name: 'Keep it' }).click();
  await warn.waitFor({ state: 'detached' });
  assert.ok(await perms.isVisible(), 'back in Manage Permissions');
  assert.equal(s.sql(`SELECT 'users' = ANY(permissions) FROM client_users WHERE user_id = ${dana.id}`)[0][0], 't');

  await perms.getByRole('button', { name: 'Save Changes' }).click();
  await warn.getByRole('button', { name: 'Remove my permission' }).click();
  // the page is drawn again, now without User Management
  await page.locator('#no-manage').waitFor();
  assert.equal(await page.locator('#members').count(), 0);
  assert.deepEqual(await page.locator('#no-manage li').allTextContents(), ['View domains', 'View and pay invoices']);
  await waitFor('saved', () => s.sql(`SELECT 'users' = ANY(permissions) FROM client_users WHERE user_id = ${dana.id}`)[0][0] === 'f');
  await shot(page, '94-portal-delegate-after');
  tab.check();
  await tab.close();
});
