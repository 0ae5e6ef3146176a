// The story of issue 6, in Chromium: an administrator creates a client and
// associates an existing user without an invitation; the owner signs in
// and invites a new address with chosen permissions; the link is read
// from the email the SMTP server caught and opened in a fresh browser,
// where the invitee registers with another address and lands in the
// account; the owner then sees them with those permissions and no pending
// invite. Then resend, cancel and expiry from the pages, a signed-in user
// accepting with one button, the Admin Area's own actions, and hostile
// names shown as text. Every page must stay free of console errors and
// CSP violations; each leaves a screenshot in test-output/screenshots/.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { launchBrowser, openPage, phoneShot, shot } from '../lib/browser.mjs';
import { PASSWORD, registerUser, uniqueEmail } from '../lib/client.mjs';
import { startStack, waitFor } from '../lib/stack.mjs';

let s;
let browser;
const ADMIN = { email: 'ada.admin@example.com', name: 'Ada Admin' };
const owner = { email: uniqueEmail('olivia'), first_name: 'Olivia', last_name: 'Owner' };
const ben = { email: uniqueEmail('ben'), first_name: 'Ben', last_name: 'Brown' };
const carolInvited = uniqueEmail('carol.work');
const carolOwn = uniqueEmail('carol.home');
const CAROL_PERMS = ['View products and services', 'View and pay invoices', 'View and open support tickets'];
let clientId;
let adminTab;
let ownerTab;

before(async () => {
  s = await startStack();
  const r = s.memberctl(['admin', 'add', ADMIN.email, '--name', ADMIN.name], { input: `${PASSWORD}\n` });
  assert.equal(r.status, 0, r.stderr);
  await registerUser(s, owner);
  await registerUser(s, ben);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await s?.stop();
});

// Mail to an address, each message handed out once, oldest first; the
// Email Address Verification every registration sends is not one of them.
const seen = new Set();
async function nextMailTo(address) {
  const m = await waitFor(`mail to ${address}`, () => s.mails().find((x) => !seen.has(x.file) &&
    !/^Subject: Email Address Verification/m.test(x.raw) &&
    new RegExp(`^To:.*${address.replace(/[.+]/g, '\\$&')}`, 'mi').test(x.raw)), { timeout: 30000 });
  seen.add(m.file);
  return simpleParser(m.raw);
}

async function inviteLinkFor(address) {
  const mail = await nextMailTo(address);
  const m = mail.text.match(/https?:\/\/\S+\/invite#[A-Za-z0-9_-]{43}/);
  assert.ok(m, `no invitation link in:\n${mail.text}`);
  return { link: m[0], mail };
}

async function signIn(page, email) {
  await page.goto(`${s.url}/portal/`);
  await page.waitForURL(/\/login\?next=/);
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${s.url}/portal/`);
  await page.locator('#page-title').waitFor();
}

const memberRow = (page, email) => page.locator('#members tbody tr', { hasText: email });
const inviteRow = (page, email) => page.locator('#invites tbody tr', { hasText: email });

test('an administrator creates a client and associates an existing user without invite', async () => {
  adminTab = await openPage(browser);
  const { page } = adminTab;
  await page.goto(`${s.url}/admin/`);
  await shot(page, '10-admin-sign-in');
  await page.getByLabel('Email address').fill(ADMIN.email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Clients' }).waitFor();

  await page.getByRole('link', { name: 'New Client' }).click();
  await page.getByLabel('Company name').fill('Acme Hosting Ltd');
  await page.getByLabel('Contact first name').fill('Olivia');
  await page.getByLabel('Contact last name').fill('Owner');
  await page.getByRole('combobox', { name: 'Owner' }).fill('olivia');
  await page.getByRole('option', { name: /Olivia Owner/ }).waitFor();
  await shot(page, '11-admin-new-client-select-user');
  await page.keyboard.press('Enter');
  await page.getByRole('button', { name: 'Create Client' }).click();
  await page.locator('#client-title').waitFor();
  assert.equal(await page.locator('#client-title').textContent(), 'Acme Hosting Ltd');
  clientId = Number(page.url().match(/#\/clients\/(\d+)/)[1]);
  assert.ok(clientId > 0);
  assert.match(await memberRow(page, owner.email).textContent(), /Owner/);

  await page.getByRole('button', { name: 'Associate User' }).click();
  await page.getByRole('combobox', { name: 'Select User' }).fill('Ben B');
  await page.getByRole('option', { name: /Ben Brown/ }).click();
  await page.getByRole('radio', { name: /Choose Permissions/ }).check();
  await page.getByLabel('View and pay invoices').check();
  await page.getByLabel('View and open support tickets').check();
  await page.getByRole('radio', { name: 'No', exact: true }).check();
  await shot(page, '12-admin-associate-user');
  await page.locator('#associate-form').getByRole('button', { name: 'Associate User' }).click();
  await page.getByRole('status').filter({ hasText: 'now has access' }).waitFor();

  const row = memberRow(page, ben.email);
  assert.match(await row.textContent(), /View and pay invoices/);
  assert.match(await row.textContent(), /View and open support tickets/);
  assert.doesNotMatch(await row.textContent(), /View domains/);
  assert.equal(await page.locator('#no-invites').count(), 1, 'associated at once: no pending invite');
  await shot(page, '13-admin-client-users');
  await phoneShot(browser, adminTab, page.url(), '13-admin-client-users-phone', (p) => p.locator('#members').waitFor());
  const toBen = s.mails().filter((m) => m.raw.includes(ben.email) && !/^Subject: Email Address Verification/m.test(m.raw));
  assert.equal(toBen.length, 0, 'Send Invite No sends nothing (beyond the verification of his registration)');
  adminTab.check();
});

test('the owner signs in and invites a new email with chosen permissions', async () => {
  ownerTab = await openPage(browser);
  const { page } = ownerTab;
  await page.goto(`${s.url}/login`);
  await shot(page, '20-login');
  await signIn(page, owner.email);
  assert.equal(await page.locator('#hello-menu summary').textContent(), 'Hello, Olivia!');
  assert.equal(await page.locator('#account-name').textContent(), 'Acme Hosting Ltd');
  assert.match(await memberRow(page, owner.email).textContent(), /Owner/);
  assert.match(await memberRow(page, ben.email).textContent(), /View and pay invoices/);

  const form = page.locator('#invite-form');
  await form.getByLabel('Email address').fill(carolInvited);
  await form.getByRole('radio', { name: /Choose Permissions/ }).check();
  for (const words of CAROL_PERMS) await form.getByLabel(words).check();
  await shot(page, '21-portal-invite-new-user');
  await form.getByRole('button', { name: 'Send Invite' }).click();
  await page.getByRole('status').filter({ hasText: `Invitation sent to ${carolInvited}` }).waitFor();
  const row = inviteRow(page, carolInvited);
  for (const words of CAROL_PERMS) assert.match(await row.textContent(), new RegExp(words));
  assert.match(await row.textContent(), /Pending/);

  // the same address again, and a member's: said next to the email field
  await form.getByLabel('Email address').fill(carolInvited);
  await form.getByRole('button', { name: 'Send Invite' }).click();
  const err = form.locator('.field-error:not([hidden])').first();
  await err.waitFor();
  assert.match(await err.textContent(), /pending|already/i);
  assert.equal(await form.getByLabel('Email address').getAttribute('aria-invalid'), 'true');
  await form.getByLabel('Email address').fill(ben.email);
  await form.getByRole('button', { name: 'Send Invite' }).click();
  await waitFor('already_member shown', async () => /member|access/i.test(await err.textContent()));
  await shot(page, '22-portal-invite-error');
  await form.getByLabel('Email address').fill('');

  // once the mailer sent it, the row says so
  await waitFor('the invitation caught', () => s.mails().some((m) => m.raw.includes(carolInvited)), { timeout: 30000 });
  await waitFor('delivery shown as sent', async () => {
    await page.reload();
    await inviteRow(page, carolInvited).waitFor();
    return /Sent/.test(await inviteRow(page, carolInvited).locator('td[data-label="Delivery"]').textContent());
  });
  await shot(page, '23-portal-user-management');
  await phoneShot(browser, ownerTab, `${s.url}/portal/`, '23-portal-user-management-phone', (p) => p.locator('#invites').waitFor());
  ownerTab.check();
});

test('the invitee opens the emailed link in a fresh browser, registers with another email and lands in the account', async () => {
  const { link, mail } = await inviteLinkFor(carolInvited);
  assert.match(mail.subject, /Acme Hosting Ltd|invit/i);
  const guest = await openPage(browser);
  const { page } = guest;
  await page.goto(link);
  await page.locator('#invite-summary').waitFor();
  assert.equal(await page.locator('#client-name').textContent(), 'Acme Hosting Ltd');
  assert.equal(await page.locator('#inviter').textContent(), 'Olivia Owner');
  assert.equal(await page.locator('#invited-email').textContent(), carolInvited);
  const grants = await page.locator('#grants li').allTextContents();
  assert.deepEqual(grants, CAROL_PERMS);
  // Login and Register side by side, the invited address prefilled
  await page.getByRole('heading', { name: 'Login' }).waitFor();
  const reg = page.locator('#invite-register');
  assert.equal(await reg.getByLabel('Email address').inputValue(), carolInvited);
  await shot(page, '30-invite-signed-out');
  await phoneShot(browser, guest, link, '30-invite-signed-out-phone', (p) => p.locator('#invite-register').waitFor());

  await reg.getByLabel('First name').fill('Carol');
  await reg.getByLabel('Last name').fill('Chen');
  await reg.getByLabel('Email address').fill(carolOwn);
  await reg.getByLabel('Password').fill(PASSWORD);
  await reg.getByRole('button', { name: 'Create account and accept' }).click();
  await page.waitForURL(`${s.url}/portal/`);
  await page.getByRole('status').filter({ hasText: 'Invitation accepted' }).waitFor();
  assert.equal(await page.locator('#account-name').textContent(), 'Acme Hosting Ltd');
  assert.equal(await page.locator('#hello-menu summary').textContent(), 'Hello, Carol!');
  // no right to manage users: a plain explanation and her own access
  const mine = await page.locator('#no-manage li').allTextContents();
  assert.deepEqual(mine, CAROL_PERMS);
  await shot(page, '31-portal-member-without-users-right');
  await phoneShot(browser, guest, `${s.url}/portal/`, '31-portal-member-phone', (p) => p.locator('#no-manage').waitFor());

  // the link is used up
  await page.goto(link);
  await page.locator('#invite-dead[data-code="invite_used"]').waitFor();
  await shot(page, '32-invite-used');
  guest.check();
  await guest.close();
});

test('the owner sees the new user with those permissions and no pending invite', async () => {
  const { page } = ownerTab;
  await page.reload();
  const row = memberRow(page, carolOwn);
  await row.waitFor();
  assert.match(await row.textContent(), /Carol Chen/);
  assert.deepEqual(await row.locator('[data-perm]').allTextContents(), CAROL_PERMS);
  assert.equal(await page.locator('#no-invites').count(), 1);
  assert.equal(await inviteRow(page, carolInvited).count(), 0);
  await shot(page, '40-portal-after-accept');
  ownerTab.check();
});

test('the owner lets a user manage users, who may then grant only what they hold', async () => {
  const { page } = ownerTab;
  await memberRow(page, carolOwn).getByRole('button', { name: 'Manage Permissions' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel('Manage users and invitations').check();
  await dlg.getByRole('button', { name: 'Save Changes' }).click();
  await page.getByRole('status').filter({ hasText: 'saved' }).waitFor();
  assert.deepEqual(await memberRow(page, carolOwn).locator('[data-perm]').allTextContents(),
    [...CAROL_PERMS, 'Manage users and invitations']);

  const carol = await openPage(browser);
  await signIn(carol.page, carolOwn);
  const form = carol.page.locator('#invite-form');
  await form.getByRole('radio', { name: /Choose Permissions/ }).check();
  assert.equal(await form.getByLabel('View domains').isDisabled(), true);
  assert.equal(await form.getByLabel('View and pay invoices').isDisabled(), false);
  assert.equal(await memberRow(carol.page, owner.email).getByRole('button').count(), 0, 'nobody touches the owner');
  await shot(carol.page, '45-portal-limited-manager');
  carol.check();
  await carol.close();
  ownerTab.check();
});

test('the owner resends and cancels an invitation from the page', async () => {
  const { page } = ownerTab;
  const dave = uniqueEmail('dave');
  const form = page.locator('#invite-form');
  await form.getByLabel('Email address').fill(dave);
  await form.getByRole('button', { name: 'Send Invite' }).click();
  await inviteRow(page, dave).waitFor();
  const first = await inviteLinkFor(dave);

  // too soon: the row says when it can be sent again, and Resend waits
  const cooldown = inviteRow(page, dave).locator('.cooldown');
  await cooldown.waitFor();
  assert.match(await cooldown.textContent(), /^Sent just now · resend in (1:00|0:[0-5]\d)$/);
  assert.equal(await inviteRow(page, dave).getByRole('button', { name: 'Resend Invite' }).isDisabled(), true);
  await shot(page, '50-portal-resend-too-soon');

  s.sql(`UPDATE invites SET last_sent_at = now() - interval '1 hour' WHERE lower(email) = lower('${dave}')`);
  await page.reload();
  await inviteRow(page, dave).waitFor();
  await inviteRow(page, dave).getByRole('button', { name: 'Resend Invite' }).click();
  await page.getByRole('status').filter({ hasText: 'A new invitation was sent' }).waitFor();
  assert.match(await inviteRow(page, dave).textContent(), /sent 2 times/);
  const second = await inviteLinkFor(dave);
  assert.notEqual(second.link, first.link);

  // a mail the relay refused, then one being retried: the row says so
  const lastMail = `(SELECT last_email_id FROM invites WHERE lower(email) = lower('${dave}'))`;
  const delivery = () => inviteRow(page, dave).locator('td[data-label="Delivery"]');
  for (const [state, label] of [['dead', 'Bounced'], ['failed', 'Failed'], ['sent', 'Sent']]) {
    // (an hour away, so the mailer leaves the failed one alone)
    s.sql(`UPDATE email_queue SET state = '${state}', next_attempt_at = now() + interval '1 hour' WHERE id = ${lastMail}`);
    await page.reload();
    await inviteRow(page, dave).waitFor();
    assert.equal((await delivery().textContent()).trim(), label);
    if (state === 'dead') await shot(page, '50b-portal-invite-bounced');
  }

  const guest = await openPage(browser);
  await guest.page.goto(first.link);
  await guest.page.locator('#invite-dead[data-code="invite_not_found"]').waitFor();
  await shot(guest.page, '51-invite-replaced-link');

  await inviteRow(page, dave).getByRole('button', { name: 'Cancel Invite' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.waitFor();
  await shot(page, '52-portal-cancel-confirm');
  await dlg.getByRole('button', { name: 'Cancel Invite' }).click();
  await page.getByRole('status').filter({ hasText: 'was cancelled' }).waitFor();
  assert.equal(await inviteRow(page, dave).count(), 0);

  await guest.page.goto('about:blank');
  await guest.page.goto(second.link);
  await guest.page.locator('#invite-dead[data-code="invite_cancelled"]').waitFor();
  assert.match(await guest.page.locator('#invite-dead').textContent(), /ask its owner/);
  await shot(guest.page, '53-invite-cancelled');
  guest.check();
  await guest.close();
  ownerTab.check();
});

test('an expired link shows its message, and the administrator can resend it', async () => {
  const { page } = ownerTab;
  const erin = uniqueEmail('erin');
  const form = page.locator('#invite-form');
  await form.getByLabel('Email address').fill(erin);
  await form.getByRole('button', { name: 'Send Invite' }).click();
  await inviteRow(page, erin).waitFor();
  const { link } = await inviteLinkFor(erin);
  // as a week-old invitation would be: expired, and sent long ago
  s.sql(`UPDATE invites SET expires_at = now() - interval '1 second', last_sent_at = now() - interval '7 days' WHERE lower(email) = lower('${erin}')`);

  const guest = await openPage(browser);
  await guest.page.goto(link);
  await guest.page.locator('#invite-dead[data-code="invite_expired"]').waitFor();
  assert.match(await guest.page.locator('h1').textContent(), /expired/);
  assert.match(await guest.page.locator('#invite-dead').textContent(), /7 days/);
  await shot(guest.page, '60-invite-expired');
  await phoneShot(browser, guest, link, '60-invite-expired-phone', (p) => p.locator('#invite-dead').waitFor());

  // the owner still sees it in the Client Area, as expired: Resend, no Cancel
  await page.reload();
  const mine = inviteRow(page, erin);
  await mine.waitFor();
  assert.match(await mine.textContent(), /Expired/);
  assert.equal(await mine.getByRole('button', { name: 'Cancel Invite' }).count(), 0);
  assert.equal(await mine.getByRole('button', { name: 'Resend Invite' }).count(), 1);
  await shot(page, '62-portal-expired-invite');

  // the Admin Area lists it as expired, and Resend Invite revives it
  const admin = adminTab.page;
  await admin.goto('about:blank');
  await admin.goto(`${s.url}/admin/#/clients/${clientId}`);
  const row = inviteRow(admin, erin);
  await row.waitFor();
  assert.match(await row.textContent(), /Expired/);
  assert.equal(await row.getByRole('button', { name: 'Cancel Invite' }).count(), 0);
  await shot(admin, '61-admin-expired-invite');
  await row.getByRole('button', { name: 'Resend Invite' }).click();
  await admin.getByRole('status').filter({ hasText: 'A new invitation was sent' }).waitFor();
  assert.match(await inviteRow(admin, erin).textContent(), /Pending/);
  const fresh = await inviteLinkFor(erin);
  await guest.page.goto('about:blank');
  await guest.page.goto(fresh.link);
  await guest.page.locator('#invite-summary').waitFor();
  // still the invitation Olivia sent, alive again for 7 days
  assert.equal(await guest.page.locator('#inviter').textContent(), 'Olivia Owner');
  assert.match(await guest.page.locator('#invite-summary').textContent(), /in 7 days/);
  guest.check();
  await guest.close();
  adminTab.check();
});

test('a signed-in user accepts with one button and the account switcher lists both accounts', async () => {
  // Ben, member of Acme, is invited by the administrator to a second account
  const admin = adminTab.page;
  await admin.goto(`${s.url}/admin/#/clients/new`);
  await admin.getByLabel('Company name').fill('Globex Services');
  await admin.getByLabel('Contact first name').fill('Gina');
  await admin.getByLabel('Contact last name').fill('Globex');
  const gina = uniqueEmail('gina');
  await admin.getByRole('combobox', { name: 'Owner' }).fill(gina);
  await admin.getByRole('option', { name: /Create new user/ }).click();
  await admin.getByRole('button', { name: 'Create Client' }).click();
  await admin.locator('#client-title').waitFor();
  assert.match(await memberRow(admin, gina).textContent(), /Never/, 'a user made by the administrator never signed in');
  await admin.getByRole('button', { name: 'Associate User' }).click();
  await admin.getByRole('combobox', { name: 'Select User' }).fill(ben.email);
  await admin.getByRole('option', { name: /Ben Brown/ }).click();
  await admin.locator('#associate-form').getByRole('button', { name: 'Associate User' }).click();
  await admin.getByRole('status').filter({ hasText: 'Invitation sent to' }).waitFor();
  await inviteRow(admin, ben.email).waitFor();
  const { link } = await inviteLinkFor(ben.email);

  const benTab = await openPage(browser);
  const { page } = benTab;
  await signIn(page, ben.email);
  assert.equal(await page.locator('#account-name').textContent(), 'Acme Hosting Ltd');
  await page.goto(link);
  await page.getByRole('button', { name: 'Accept Invitation' }).waitFor();
  assert.match(await page.locator('#accept-form').textContent(), /signed in as Ben Brown/);
  await shot(page, '70-invite-signed-in');
  await page.getByRole('button', { name: 'Accept Invitation' }).click();
  await page.waitForURL(`${s.url}/portal/`);
  await page.getByRole('status').filter({ hasText: 'Welcome to Globex Services' }).waitFor();
  assert.equal(await page.locator('#account-name').textContent(), 'Globex Services');

  // the switcher: both accounts; a closed one is listed but not selectable
  s.sql(`UPDATE clients SET status = 'closed' WHERE id = ${clientId}`);
  await page.reload();
  await page.locator('#account-menu summary').click();
  const acme = page.locator('#account-menu .menu-item', { hasText: 'Acme Hosting Ltd' });
  assert.equal(await acme.isDisabled(), true);
  assert.match(await acme.textContent(), /Closed/);
  await shot(page, '71-portal-account-switcher');
  s.sql(`UPDATE clients SET status = 'active' WHERE id = ${clientId}`);
  await page.reload();
  await page.locator('#account-menu summary').click();
  await page.locator('#account-menu .menu-item', { hasText: 'Acme Hosting Ltd' }).click();
  await page.getByRole('status').filter({ hasText: 'You are now working in Acme Hosting Ltd' }).waitFor();
  assert.equal(await page.locator('#account-name').textContent(), 'Acme Hosting Ltd');
  benTab.check();
  await benTab.close();
});

test('the administrator manages permissions, makes an owner, removes access and reads the activity', async () => {
  const { page } = adminTab;
  await page.goto(`${s.url}/admin/#/clients?search=acme`);
  await page.getByRole('link', { name: 'Acme Hosting Ltd' }).click();
  await memberRow(page, ben.email).waitFor();

  await memberRow(page, ben.email).getByRole('button', { name: 'Manage Permissions' }).click();
  const dlg = page.getByRole('dialog');
  await dlg.getByLabel('View domains').check();
  await dlg.getByLabel('View and pay invoices').uncheck();
  await shot(page, '80-admin-manage-permissions');
  await dlg.getByRole('button', { name: 'Save Changes' }).click();
  await page.getByRole('status').filter({ hasText: 'saved' }).waitFor();
  assert.deepEqual(await memberRow(page, ben.email).locator('[data-perm]').allTextContents(),
    ['View domains', 'View and open support tickets']);

  await memberRow(page, ben.email).getByRole('button', { name: 'Make Owner' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Make Owner' }).click();
  await page.getByRole('status').filter({ hasText: 'is now the owner' }).waitFor();
  assert.match(await memberRow(page, ben.email).textContent(), /Owner/);
  assert.match(await memberRow(page, owner.email).textContent(), /All permissions/);
  assert.equal(await memberRow(page, ben.email).getByRole('button').count(), 0, 'the owner cannot be removed');

  await memberRow(page, carolOwn).getByRole('button', { name: 'Remove Access' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Remove Access' }).click();
  await page.getByRole('status').filter({ hasText: 'no longer has access' }).waitFor();
  assert.equal(await memberRow(page, carolOwn).count(), 0);

  await page.getByRole('link', { name: 'Activity' }).click();
  await page.locator('#activity').waitFor();
  const actions = await page.locator('#activity tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.action));
  for (const a of ['client_created', 'member_added', 'invite_created', 'invite_accepted', 'invite_resent',
    'invite_cancelled', 'member_permissions_changed', 'owner_changed', 'member_removed']) {
    assert.ok(actions.includes(a), `activity lists ${a}: ${actions.join(', ')}`);
  }
  assert.equal(actions[0], 'member_removed', 'newest first');
  await shot(page, '81-admin-activity');
  await phoneShot(browser, adminTab, page.url(), '81-admin-activity-phone', (p) => p.locator('#activity').waitFor());
  adminTab.check();
});

test('the new owner removes a user in the Client Area, after confirming', async () => {
  const w = await openPage(browser);
  const { page } = w;
  await signIn(page, ben.email);
  await page.locator('#account-menu summary').click();
  await page.locator('#account-menu .menu-item', { hasText: 'Acme Hosting Ltd' }).click();
  await memberRow(page, owner.email).waitFor();
  assert.match(await memberRow(page, ben.email).textContent(), /Owner/);
  await memberRow(page, owner.email).getByRole('button', { name: 'Remove Access' }).click();
  const dlg = page.getByRole('dialog');
  assert.match(await dlg.textContent(), /Olivia Owner/);
  await shot(page, '85-portal-remove-access-confirm');
  await dlg.getByRole('button', { name: 'Remove Access' }).click();
  await page.getByRole('status').filter({ hasText: 'no longer has access' }).waitFor();
  assert.equal(await memberRow(page, owner.email).count(), 0);
  w.check();
  await w.close();

  // Olivia, still signed in, now belongs to no account
  await ownerTab.page.reload();
  await ownerTab.page.locator('#no-account').waitFor();
  ownerTab.check();
});

test('names and company names typed by users are shown as text, never as markup', async () => {
  const evil = '<img src=x onerror="document.title=\'pwned\'">';
  const [, mallory] = await registerUser(s, { email: uniqueEmail('mallory'), first_name: evil, last_name: '<b>Bold</b>' });
  const { page } = adminTab;
  await page.goto(`${s.url}/admin/#/clients/new`);
  await page.getByLabel('Company name').fill('<script>alert(1)</script> Ltd');
  await page.getByLabel('Contact first name').fill(evil);
  await page.getByLabel('Contact last name').fill('X');
  await page.getByRole('combobox', { name: 'Owner' }).fill(mallory.email);
  await page.getByRole('listbox').getByRole('option').first().click();
  await page.getByRole('button', { name: 'Create Client' }).click();
  await page.locator('#client-title').waitFor();
  assert.equal(await page.locator('#client-title').textContent(), '<script>alert(1)</script> Ltd');
  assert.match(await memberRow(page, mallory.email).textContent(), /<img src=x/);
  assert.equal(await page.locator('main img, main b, main script').count(), 0);
  assert.notEqual(await page.title(), 'pwned');

  const tab = await openPage(browser);
  await signIn(tab.page, mallory.email);
  assert.equal(await tab.page.locator('#hello-menu summary').textContent(), `Hello, ${evil}!`);
  assert.equal(await tab.page.locator('main img, main b, main script, header b').count(), 0);
  assert.notEqual(await tab.page.title(), 'pwned');
  await shot(tab.page, '90-portal-hostile-names');
  tab.check();
  await tab.close();
  adminTab.check();
});
