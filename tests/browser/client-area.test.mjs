// Issue 17, items 1 to 4 and the rest of 11, in Chromium: User
// Management of a large account asks for a page (never everyone) and
// searches; Invite Several Users gives one result per address; a pending
// invitation's permissions are edited and an expired one dismissed; the
// invitee declines on the invitation page and the owner sees it; the
// Activity with its CSV download; the Admin Area's Create new user takes
// a name; a member without "users" is told who the owner is. Every state
// shown is screenshotted and checked by axe-core (shot()).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { PHONE, adminSignIn, launchBrowser, openPage, phoneShot, shot } from '../lib/browser.mjs';
import { PASSWORD, adminClient, linkFrom, registerUser, uniqueEmail } from '../lib/client.mjs';
import { startStack } from '../lib/stack.mjs';

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

// An account owned by Olivia Owner, active for her.
async function account(company) {
  const [owner, user] = await registerUser(s, { first_name: 'Olivia', last_name: 'Owner' });
  const r = await admin.post(`${API}/admin/clients`, { company_name: company, first_name: 'Olivia', last_name: 'Owner', owner: { user_id: user.id } });
  assert.equal(r.status, 201, r.text);
  const id = r.json.client.id;
  assert.equal((await owner.post(`${API}/me/active-account`, { client_id: id })).status, 200);
  return { owner, user, id };
}

async function signIn(page, email, ready = '#members') {
  await page.goto(`${s.url}/login?next=%2Fportal%2F`);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${s.url}/portal/`);
  await page.locator(ready).waitFor();
}

const inviteRow = (page, email) => page.locator('#invites tbody tr', { hasText: email });
// Wait until the element of this id has focus (it moves once a redraw is done).
const focusOn = (page, id) => page.waitForFunction((x) => document.activeElement?.id === x, id, { timeout: 5000 });

async function mailLink(email) {
  const m = await s.waitForMail((raw) => raw.includes(`To: ${email}`) || raw.includes(`<${email}>`));
  return linkFrom(m.raw, '/invite');
}

test('a large account opens on a page of 50, searched and paged, never everyone', async () => {
  const acct = await account('Big Hosting');
  const tag = `big${process.pid}x`;
  s.sql(`INSERT INTO users (email, first_name, last_name)
    SELECT '${tag}' || g || '@example.com', 'Member', 'N' || g FROM generate_series(1, 130) g;
    INSERT INTO client_users (client_id, user_id, permissions, added_at)
    SELECT ${acct.id}, id, '{domains}', now() + make_interval(secs => substring(email from '[0-9]+')::int)
    FROM users WHERE email LIKE '${tag}%@example.com';
    UPDATE users SET first_name = '100%' WHERE email = '${tag}7@example.com'`);
  const w = await openPage(browser);
  const { page } = w;
  const asked = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname === '/api/v1/account/users') asked.push(u.search);
  });
  await signIn(page, acct.user.email);
  assert.equal(await page.locator('#members tbody tr').count(), 50);
  assert.equal(await page.locator('#users-count').textContent(), '131');
  assert.match(await page.locator('#users-range').textContent(), /Showing 1–50 of 131 · page 1 of 3/);
  assert.match(await page.locator('#members tbody tr').first().textContent(), /Owner/);
  await shot(page, 'ca-10-users-page-1');

  await page.locator('#users-next').click();
  await page.locator('#users-range', { hasText: 'Showing 51–100' }).waitFor();
  await focusOn(page, 'users-next');
  await page.locator('#users-next').click();
  await page.locator('#users-range', { hasText: 'Showing 101–131' }).waitFor();
  assert.equal(await page.locator('#members tbody tr').count(), 31);
  assert.equal(await page.locator('#users-next').isDisabled(), true);
  await focusOn(page, 'users-prev'); // Next has no page left: focus on Previous
  await shot(page, 'ca-11-users-last-page');

  await page.getByLabel('Search users by name or email').fill('%');
  await page.keyboard.press('Enter');
  await page.locator('#users-count', { hasText: /^1$/ }).waitFor();
  assert.match(await page.locator('#members tbody').textContent(), /100%/);
  assert.equal(await page.locator('#users-range').count(), 0, 'one page: no pager');
  await page.getByLabel('Search users by name or email').fill('nobody at all');
  await page.keyboard.press('Enter');
  await page.locator('#no-users').waitFor();
  assert.match(await page.locator('#no-users').textContent(), /No user matches “nobody at all”/);
  await shot(page, 'ca-12-users-search-none');
  await page.getByRole('button', { name: 'Clear' }).click();
  await page.locator('#users-count', { hasText: '131' }).waitFor();

  assert.ok(asked.length >= 4);
  assert.ok(asked.every((q) => /[?&]page=\d+/.test(q)), `every request asks for a page: ${asked.join(' ')}`);
  await phoneShot(browser, w, `${s.url}/portal/`, 'ca-13-users-page-phone', (p) => p.locator('#users-range').waitFor());
  w.check();
  await w.close();
});

test('Invite Several Users: one result per address, then Edit Permissions and Dismiss', async () => {
  const acct = await account('Bulk Hosting');
  const [, member] = await registerUser(s, { first_name: 'Mia', last_name: 'Member' });
  assert.equal((await admin.post(`${API}/admin/clients/${acct.id}/users`, { user_id: member.id, permissions: ['invoices'], send_invite: false })).status, 201);
  const w = await openPage(browser);
  const { page } = w;
  await signIn(page, acct.user.email);
  const a = uniqueEmail('bulk-a');
  const b = uniqueEmail('bulk-b');
  await page.getByRole('button', { name: 'Invite several at once' }).click();
  await focusOn(page, 'bulk-emails');
  await page.locator('#bulk-emails').fill(`${a}, ${b}\n${member.email} not-an-address\n${a}`);
  await page.locator('#bulk-form').getByRole('radio', { name: /Choose Permissions/ }).check();
  await page.locator('#bulk-form').getByLabel('View domains').check();
  await page.locator('#bulk-form').getByRole('button', { name: 'Send Invites' }).click();
  await page.locator('#bulk-summary').waitFor();
  assert.equal(await page.locator('#bulk-summary').textContent(), '2 of 4 invitations sent.', 'the repeated address counted once');
  const status = (email) => page.locator(`#bulk-results li[data-email="${email}"]`).getAttribute('data-status');
  assert.equal(await status(a), 'invited');
  assert.equal(await status(b), 'invited');
  assert.equal(await status(member.email), 'already_member');
  assert.equal(await status('not-an-address'), 'invalid');
  assert.match(await page.locator('#bulk-results').textContent(), /Not a valid email address/);
  assert.equal(await page.locator('#bulk-emails').inputValue(), 'not-an-address', 'what was not sent stays to fix');
  await inviteRow(page, a).waitFor();
  await shot(page, 'ca-20-bulk-results');

  // Edit Permissions of a pending invitation: the link stays the same
  const link = await mailLink(a);
  await inviteRow(page, a).getByRole('button', { name: 'Edit Permissions' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.waitFor();
  assert.match(await dlg.textContent(), /The link they were sent stays the same/);
  await shot(page, 'ca-21-edit-invite');
  await dlg.getByLabel('View and open support tickets').check();
  await dlg.getByRole('button', { name: 'Save Changes' }).click();
  await page.locator('#flash', { hasText: 'now grants the new permissions' }).waitFor();
  assert.match(await inviteRow(page, a).textContent(), /View and open support tickets/);
  assert.equal(await page.evaluate(() => document.activeElement.textContent.trim()), 'Edit Permissions', 'focus back on the trigger');
  const look = await (await fetch(`${s.url}${API}/invites/lookup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: link.split('#')[1] }) })).json();
  assert.deepEqual(look.invite.permissions, ['domains', 'tickets']);

  // Dismiss an expired one
  s.sql(`UPDATE invites SET expires_at = now() - interval '1 minute', last_sent_at = now() - interval '8 days' WHERE lower(email) = lower('${b}')`);
  await page.reload();
  await inviteRow(page, b).waitFor();
  assert.equal(await inviteRow(page, b).getAttribute('data-status'), 'expired');
  assert.equal(await inviteRow(page, b).getByRole('button', { name: 'Edit Permissions' }).count(), 0, 'an expired one is resent, not edited');
  await shot(page, 'ca-22-expired-invite');
  await inviteRow(page, b).getByRole('button', { name: 'Dismiss' }).click();
  await page.locator('#flash', { hasText: 'taken off the list' }).waitFor();
  assert.equal(await inviteRow(page, b).count(), 0);
  await phoneShot(browser, w, `${s.url}/portal/`, 'ca-23-invites-phone', (p) => p.locator('#invites').waitFor());
  w.check();
  await w.close();
});

test('the invitee declines on the invitation page; the owner sees it declined, in the Activity too', async () => {
  const acct = await account('Decline Hosting');
  const email = uniqueEmail('decliner');
  assert.equal((await acct.owner.post(`${API}/account/invites`, { email, permissions: ['domains'] })).status, 201);
  const link = await mailLink(email);
  const guest = await openPage(browser, { viewport: PHONE });
  await guest.page.goto(link);
  await guest.page.locator('#invite-summary').waitFor();
  await guest.page.getByRole('button', { name: 'Decline Invitation' }).click();
  const dlg = guest.page.getByRole('dialog');
  await dlg.waitFor();
  assert.match(await dlg.textContent(), /Olivia Owner will see that you declined/);
  await shot(guest.page, 'ca-30-decline-confirm');
  await dlg.getByRole('button', { name: 'Decline Invitation' }).click();
  await guest.page.locator('#invite-dead[data-code="declined_now"]').waitFor();
  assert.match(await guest.page.locator('#invite-dead h1').textContent(), /You declined the invitation/);
  await shot(guest.page, 'ca-31-declined');
  // the same link again: dead, and says why
  await guest.page.reload();
  await guest.page.locator('#invite-dead[data-code="invite_declined"]').waitFor();
  await shot(guest.page, 'ca-32-declined-link');
  guest.check();
  await guest.close();

  const w = await openPage(browser);
  const { page } = w;
  await signIn(page, acct.user.email);
  const row = inviteRow(page, email);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-status'), 'declined');
  assert.match(await row.textContent(), /Declined/);
  assert.equal(await row.getByRole('button', { name: 'Resend Invite' }).count(), 0);
  await page.locator('#activity-entries tr[data-action="invite_declined"]').waitFor();
  assert.match(await page.locator('#activity-entries tr[data-action="invite_declined"]').textContent(), /Invitation declined/);
  await shot(page, 'ca-33-owner-sees-declined');
  await row.getByRole('button', { name: 'Dismiss' }).click();
  await page.locator('#flash', { hasText: 'taken off the list' }).waitFor();
  assert.equal(await inviteRow(page, email).count(), 0);
  w.check();
  await w.close();
});

test('the Activity pages newest first and downloads as CSV', async () => {
  const acct = await account('Activity, "Quoted" Hosting');
  s.sql(`INSERT INTO audit_log (actor_kind, actor_name, client_id, action, details)
    SELECT 'system', 'housekeeping', ${acct.id}, 'test_filler', jsonb_build_object('n', g) FROM generate_series(1, 55) g`);
  const w = await openPage(browser);
  const { page } = w;
  await signIn(page, acct.user.email);
  await page.locator('#activity-entries').waitFor();
  assert.equal(await page.locator('#activity-entries tbody tr').count(), 50);
  await shot(page, 'ca-40-activity');
  await page.locator('#activity-older').click();
  await page.locator('#activity', { hasText: 'Showing 51–56 of 56' }).waitFor();
  await focusOn(page, 'activity-newer'); // Older has no page left: focus on Newer
  assert.equal(await page.locator('#activity-entries tr[data-action="client_created"]').count(), 1, 'the oldest entry last');
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('#activity-csv').click()]);
  assert.equal(dl.suggestedFilename(), `activity-${acct.id}.csv`);
  const csv = fs.readFileSync(await dl.path(), 'utf8');
  const lines = csv.split('\r\n');
  assert.equal(lines[0], 'id,at,actor_kind,actor_id,actor_name,action,details,ip');
  assert.equal(lines.length, 56 + 2, 'every entry, a header, and the last CRLF');
  assert.ok(csv.includes('Activity, \\""Quoted\\"" Hosting'), 'the company name quoted as RFC 4180 says');
  w.check();
  await w.close();
});

test('a member without users is told who the owner is', async () => {
  const acct = await account('Plain Hosting');
  const [, plain] = await registerUser(s, { first_name: 'Pat', last_name: 'Plain' });
  assert.equal((await admin.post(`${API}/admin/clients/${acct.id}/users`, { user_id: plain.id, permissions: ['invoices'], send_invite: false })).status, 201);
  const w = await openPage(browser);
  const { page } = w;
  await signIn(page, plain.email, '#no-manage');
  assert.equal(await page.locator('#owner-name').textContent(), 'Olivia Owner');
  assert.match(await page.locator('#ask-owner').textContent(), /ask the account owner, Olivia Owner\./);
  await shot(page, 'ca-50-ask-the-owner');
  w.check();
  await w.close();
});

test('the Admin Area\'s Create new user takes a name, and the email greets it', async () => {
  const acct = await account('Named Hosting');
  const w = await openPage(browser);
  const { page } = w;
  await adminSignIn(page, s.url, ADMIN.email);
  await page.goto(`${s.url}/admin/#/clients/${acct.id}`);
  await page.locator('#members').waitFor();
  await page.getByRole('button', { name: 'Associate User' }).click();
  const nora = uniqueEmail('nora');
  assert.equal(await page.locator('#new-user-names').isHidden(), true, 'no name fields for an existing user');
  await page.getByRole('combobox', { name: 'Select User' }).fill(nora);
  await page.getByRole('option', { name: /Create new user/ }).click();
  await page.locator('#new-user-names').waitFor();
  await page.getByLabel('First name').fill('Nora');
  await page.getByLabel('Last name').fill('Newton');
  await shot(page, 'ca-60-admin-create-new-user');
  await page.locator('#associate-form').getByRole('button', { name: 'Associate User' }).click();
  await page.getByRole('status').filter({ hasText: 'Invitation sent to' }).waitFor();
  const m = await s.waitForMail((raw) => raw.includes(nora));
  assert.match(m.raw, /Hello Nora,/);
  w.check();
  await w.close();
});
