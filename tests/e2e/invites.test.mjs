// Associate User and invitations end to end: the Admin Area, the Client
// Area, resend, cancel and accept, with the link taken from the email a
// real SMTP server received.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { startStack, waitFor } from '../lib/stack.mjs';
import {
  Client, PASSWORD, adminClient, linkFrom, pgDump, registerUser, uniqueEmail,
} from '../lib/client.mjs';

const API = '/api/v1';
let s;
let admin;

before(async () => {
  s = await startStack({ workers: 3, conf: 'invite_pending_limit = 5' });
  admin = await adminClient(s, uniqueEmail('admin'), 'Ada Admin');
});
after(async () => { await s?.stop(); });

// An account owned by a fresh user; the owner's client has it active.
async function ownedAccount(company = 'Acme ' + Date.now()) {
  const [owner, user] = await registerUser(s, { first_name: 'Olga', last_name: 'Owner' });
  const r = await admin.post(`${API}/admin/clients`, { company_name: company, first_name: 'Olga', last_name: 'Owner', owner: { user_id: user.id } });
  assert.equal(r.status, 201, r.text);
  assert.equal((await owner.post(`${API}/me/active-account`, { client_id: r.json.client.id })).status, 200);
  return { owner, user, client: r.json.client };
}

// Make user a member of client directly (admin, no invite), and active.
async function addMember(acct, permissions, fields = {}) {
  const [c, u] = await registerUser(s, fields);
  const r = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { user_id: u.id, permissions, send_invite: false });
  assert.equal(r.status, 201, r.text);
  assert.equal((await c.post(`${API}/me/active-account`, { client_id: acct.client.id })).status, 200);
  return [c, u];
}

async function mailTo(email) {
  const m = await s.waitForMail((raw) => raw.includes(`To: ${email}`) || raw.includes(`<${email}>`));
  return { raw: m.raw, parsed: await simpleParser(m.raw), link: linkFrom(m.raw, '/invite') };
}

const tokenOf = (link) => link.split('#')[1];
const auditCount = (clientId, action) =>
  Number(s.sql(`SELECT count(*) FROM audit_log WHERE client_id = ${clientId} AND action = '${action}'`)[0][0]);

describe('Admin Area: Associate User', () => {
  test('with Send Invite: a pending invite and an Account Access Invitation email', async () => {
    const acct = await ownedAccount('Globex Hosting');
    const email = uniqueEmail('invitee');
    const r = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { email, permissions: ['invoices', 'tickets'], send_invite: true });
    assert.equal(r.status, 201, r.text);
    const inv = r.json.invite;
    assert.equal(inv.client_id, acct.client.id);
    assert.equal(inv.email, email);
    assert.deepEqual(inv.permissions, ['invoices', 'tickets']);
    assert.equal(inv.status, 'pending');
    assert.equal(inv.sent_count, 1);
    assert.deepEqual(inv.invited_by, { kind: 'admin', name: 'Ada Admin' });
    assert.ok(['queued', 'sent'].includes(inv.delivery));
    const days = (Date.parse(inv.expires_at) - Date.parse(inv.created_at)) / 86400000;
    assert.equal(days, 7);

    const mail = await mailTo(email);
    assert.equal(mail.parsed.subject, 'Account Access Invitation: Globex Hosting');
    assert.match(mail.parsed.text, /Ada Admin \(an administrator\) has invited you/);
    assert.match(mail.parsed.text, /Globex Hosting/);
    assert.match(mail.parsed.text, /valid for 7 days/);
    assert.match(mail.parsed.text, /View and pay invoices, View and open support tickets/);
    assert.ok(mail.link.startsWith(`${s.url}/invite#`), mail.link);
    assert.match(mail.parsed.html, /Accept the invitation/);
    assert.match(mail.raw, /^Content-Transfer-Encoding: quoted-printable\r$/m);
    assert.ok(mail.raw.includes(mail.link), 'the link fits one encoded line and is not broken');

    const profile = await admin.get(`${API}/admin/clients/${acct.client.id}`);
    assert.equal(profile.json.invites.length, 1);
    assert.equal(profile.json.invites[0].id, inv.id);
    await waitFor('delivery sent', async () =>
      (await admin.get(`${API}/admin/clients/${acct.client.id}`)).json.invites[0].delivery === 'sent');

    // the recipient registers with the invited address and lands in the account
    const c = new Client(s.url);
    const lookup = await c.post(`${API}/invites/lookup`, { token: tokenOf(mail.link) });
    assert.equal(lookup.status, 200);
    assert.deepEqual(lookup.json.invite.permissions, ['invoices', 'tickets']);
    assert.equal(lookup.json.invite.client_name, 'Globex Hosting');
    assert.equal(lookup.json.invite.inviter_name, 'Ada Admin');
    assert.equal(lookup.json.invite.email, email);
    const acc = await c.post(`${API}/invites/accept`, { token: tokenOf(mail.link), register: { email, password: PASSWORD, first_name: 'Ivy', last_name: 'Invitee' } });
    assert.equal(acc.status, 201, acc.text);
    assert.equal(acc.json.client_id, acct.client.id);
    assert.deepEqual(acc.json.permissions, ['invoices', 'tickets']);
    assert.equal(acc.json.user.email_verified, true, 'the invited address is proven');
    const me = await c.get(`${API}/me`);
    assert.equal(me.json.active_client_id, acct.client.id);
    assert.deepEqual(me.json.accounts.map((a) => a.client_id), [acct.client.id]);

    const after = await admin.get(`${API}/admin/clients/${acct.client.id}`);
    assert.equal(after.json.invites.length, 0, 'an accepted invite is no longer listed');
    const member = after.json.users.find((u) => u.email === email);
    assert.deepEqual(member.permissions, ['invoices', 'tickets']);
    assert.equal(member.is_owner, false);
  });

  test('without Send Invite: a member at once, no email; an unknown email becomes a user without a password', async () => {
    const acct = await ownedAccount();
    const [, existing] = await registerUser(s);
    const mailsBefore = s.sql('SELECT count(*) FROM email_queue')[0][0];
    const r = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { user_id: existing.id, permissions: 'all', send_invite: false });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.member.user_id, existing.id);
    assert.equal(r.json.member.permissions.length, 14);
    assert.equal(r.json.member.is_owner, false);
    assert.equal(r.json.member.last_login_at !== undefined, true);

    const fresh = uniqueEmail('fresh');
    const n = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { email: fresh, permissions: ['domains'], send_invite: false });
    assert.equal(n.status, 201, n.text);
    assert.deepEqual(n.json.member.permissions, ['domains']);
    assert.equal(s.sql(`SELECT password_hash IS NULL FROM users WHERE email = '${fresh}'`)[0][0], 't');
    assert.equal(s.sql('SELECT count(*) FROM email_queue')[0][0], mailsBefore, 'no email was queued');

    const again = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { user_id: existing.id, permissions: ['domains'], send_invite: false });
    assert.equal(again.status, 409);
    assert.equal(again.json.error.code, 'already_member');
    const inviteMember = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { email: fresh.toUpperCase(), permissions: ['domains'], send_invite: true });
    assert.equal(inviteMember.status, 409);
    assert.equal(inviteMember.json.error.code, 'already_member');
  });

  test('404 for an unknown client or user; permissions never empty', async () => {
    const acct = await ownedAccount();
    const [, u] = await registerUser(s);
    assert.equal((await admin.post(`${API}/admin/clients/99999999/users`, { user_id: u.id, permissions: 'all', send_invite: false })).status, 404);
    assert.equal((await admin.post(`${API}/admin/clients/99999999/users`, { email: uniqueEmail(), permissions: 'all', send_invite: true })).status, 404);
    assert.equal((await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { user_id: 99999999, permissions: 'all', send_invite: false })).status, 404);
    assert.equal((await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { user_id: 99999999, permissions: 'all', send_invite: true })).status, 404);
    for (const permissions of [[], undefined, 'some', ['nope']]) {
      const r = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { user_id: u.id, permissions, send_invite: false });
      assert.equal(r.status, 422, JSON.stringify(permissions));
      assert.equal(r.json.error.field, 'permissions');
    }
  });

  test('no one is invited to a closed account; associating at once still works', async () => {
    const acct = await ownedAccount();
    const pending = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { email: uniqueEmail('before'), permissions: ['quotes'], send_invite: true });
    assert.equal(pending.status, 201);
    s.sql(`UPDATE invites SET last_sent_at = now() - interval '1 hour' WHERE id = ${pending.json.invite.id}`);
    s.sql(`UPDATE clients SET status = 'closed' WHERE id = ${acct.client.id}`);
    const mails = s.sql('SELECT count(*) FROM email_queue')[0][0];
    const r = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { email: uniqueEmail('closed'), permissions: ['quotes'], send_invite: true });
    assert.equal(r.status, 403);
    assert.equal(r.json.error.code, 'forbidden');
    const again = await admin.post(`${API}/admin/invites/${pending.json.invite.id}/resend`);
    assert.equal(again.status, 403);
    assert.equal(s.sql('SELECT count(*) FROM email_queue')[0][0], mails, 'no email went out');
    const [, u] = await registerUser(s);
    const direct = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { user_id: u.id, permissions: ['quotes'], send_invite: false });
    assert.equal(direct.status, 201);
    s.sql(`UPDATE clients SET status = 'active' WHERE id = ${acct.client.id}`);
  });

  test('a second pending invite for the same email is 409 invite_pending naming the first', async () => {
    const acct = await ownedAccount();
    const email = uniqueEmail('twice');
    const first = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { email, permissions: ['quotes'], send_invite: true });
    assert.equal(first.status, 201);
    const second = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { email: email.toUpperCase(), permissions: ['orders'], send_invite: true });
    assert.equal(second.status, 409);
    assert.equal(second.json.error.code, 'invite_pending');
    assert.equal(second.json.error.invite_id, first.json.invite.id);
    const fromOwner = await acct.owner.post(`${API}/account/invites`, { email, permissions: ['quotes'] });
    assert.equal(fromOwner.status, 409);
    assert.equal(fromOwner.json.error.code, 'invite_pending');
  });

  test('PATCH and DELETE members; the owner is protected; Make Owner keeps the old owner with every permission', async () => {
    const acct = await ownedAccount();
    const [, m] = await addMember(acct, ['domains']);
    const p = await admin.patch(`${API}/admin/clients/${acct.client.id}/users/${m.id}`, { permissions: ['domains', 'invoices'] });
    assert.equal(p.status, 200);
    assert.deepEqual(p.json.member.permissions, ['domains', 'invoices']);
    const po = await admin.patch(`${API}/admin/clients/${acct.client.id}/users/${acct.user.id}`, { permissions: ['domains'] });
    assert.equal(po.status, 409);
    assert.equal(po.json.error.code, 'owner_protected');
    const dOwner = await admin.del(`${API}/admin/clients/${acct.client.id}/users/${acct.user.id}`);
    assert.equal(dOwner.status, 409);
    assert.equal(dOwner.json.error.code, 'owner_protected');
    assert.equal((await admin.patch(`${API}/admin/clients/${acct.client.id}/users/99999999`, { permissions: ['domains'] })).status, 404);

    const own = await admin.post(`${API}/admin/clients/${acct.client.id}/owner`, { user_id: m.id });
    assert.equal(own.status, 200);
    assert.equal(own.json.client.owner_user_id, m.id);
    const prof = await admin.get(`${API}/admin/clients/${acct.client.id}`);
    assert.equal(prof.json.users[0].user_id, m.id, 'owner first');
    assert.equal(prof.json.users[0].is_owner, true);
    const old = prof.json.users.find((u) => u.user_id === acct.user.id);
    assert.equal(old.is_owner, false);
    assert.equal(old.permissions.length, 14);
    const notMember = await registerUser(s);
    assert.equal((await admin.post(`${API}/admin/clients/${acct.client.id}/owner`, { user_id: notMember[1].id })).status, 404);

    assert.equal((await admin.del(`${API}/admin/clients/${acct.client.id}/users/${acct.user.id}`)).status, 204);
    const gone = await admin.get(`${API}/admin/clients/${acct.client.id}`);
    assert.ok(!gone.json.users.some((u) => u.user_id === acct.user.id));
    assert.equal((await acct.owner.get(`${API}/account/users`)).status, 403, 'a removed member loses access at once');
  });

  test('resend and cancel from the Admin Area; the activity lists every change newest first', async () => {
    const acct = await ownedAccount();
    const email = uniqueEmail('resend');
    const inv = (await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { email, permissions: ['emails'], send_invite: true })).json.invite;
    const first = await mailTo(email);
    const early = await admin.post(`${API}/admin/invites/${inv.id}/resend`);
    assert.equal(early.status, 429);
    assert.equal(early.json.error.code, 'resend_too_soon');
    assert.ok(Number(early.headers.get('retry-after')) > 0);
    s.sql(`UPDATE invites SET last_sent_at = now() - interval '2 minutes' WHERE id = ${inv.id}`);
    const re = await admin.post(`${API}/admin/invites/${inv.id}/resend`);
    assert.equal(re.status, 200, re.text);
    assert.equal(re.json.invite.sent_count, 2);
    const second = await s.waitForMail((raw) => raw.includes(email) && !raw.includes(tokenOf(first.link)) && linkFrom(raw, '/invite'));
    const newLink = linkFrom(second.raw, '/invite');
    assert.notEqual(tokenOf(newLink), tokenOf(first.link));
    const dead = await new Client(s.url).post(`${API}/invites/lookup`, { token: tokenOf(first.link) });
    assert.equal(dead.status, 404);
    assert.equal(dead.json.error.code, 'invite_not_found');
    assert.equal((await new Client(s.url).post(`${API}/invites/lookup`, { token: tokenOf(newLink) })).status, 200);

    const cancel = await admin.post(`${API}/admin/invites/${inv.id}/cancel`);
    assert.equal(cancel.status, 200);
    assert.equal(cancel.json.invite.status, 'cancelled');
    const c = await new Client(s.url).post(`${API}/invites/lookup`, { token: tokenOf(newLink) });
    assert.equal(c.status, 410);
    assert.equal(c.json.error.code, 'invite_cancelled');
    const reCancelled = await admin.post(`${API}/admin/invites/${inv.id}/resend`);
    assert.equal(reCancelled.status, 410);

    const act = await admin.get(`${API}/admin/clients/${acct.client.id}/activity`);
    assert.equal(act.status, 200);
    const actions = act.json.entries.map((e) => e.action);
    assert.deepEqual(actions.slice(0, 3), ['invite_cancelled', 'invite_resent', 'invite_created']);
    assert.ok(actions.includes('client_created'));
    assert.equal(act.json.entries[0].actor.kind, 'admin');
    assert.equal(act.json.entries[0].actor.name, admin.email);
    const ids = act.json.entries.map((e) => e.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
    assert.equal((await admin.get(`${API}/admin/clients/99999999/activity`)).status, 404);
  });
});

describe('Client Area: User Management', () => {
  test('the owner invites; the email names the user who invited; a signed-in user accepts and the session rotates', async () => {
    const acct = await ownedAccount('Initech');
    const email = uniqueEmail('colleague');
    const r = await acct.owner.post(`${API}/account/invites`, { email, permissions: ['products', 'productsso'] });
    assert.equal(r.status, 201, r.text);
    assert.deepEqual(r.json.invite.invited_by, { kind: 'user', name: 'Olga Owner' });
    const mail = await mailTo(email);
    assert.match(mail.parsed.text, /Olga Owner has invited you to access the account "Initech"/);
    assert.doesNotMatch(mail.parsed.text, /administrator/);

    const list = await acct.owner.get(`${API}/account/users`);
    assert.equal(list.status, 200);
    assert.equal(list.json.users.length, 1);
    assert.equal(list.json.users[0].is_owner, true);
    assert.deepEqual(list.json.invites.map((i) => i.email), [email]);

    // someone with an account of their own, under another address, accepts
    const [c, u] = await registerUser(s);
    const before = c.cookies.get('memberd_session');
    const acc = await c.post(`${API}/invites/accept`, { token: tokenOf(mail.link) });
    assert.equal(acc.status, 200, acc.text);
    assert.deepEqual(acc.json, { client_id: acct.client.id, permissions: ['products', 'productsso'] });
    assert.notEqual(c.cookies.get('memberd_session'), before, 'the session token is rotated');
    const stale = new Client(s.url);
    stale.cookies.set('memberd_session', before);
    assert.equal((await stale.get(`${API}/me`)).status, 401, 'the old token is dead');
    const me = await c.get(`${API}/me`);
    assert.equal(me.json.active_client_id, acct.client.id);
    assert.equal(me.json.user.email_verified, false, 'another address is not verified by accepting');

    const after = await acct.owner.get(`${API}/account/users`);
    assert.deepEqual(after.json.invites, []);
    const m = after.json.users.find((x) => x.user_id === u.id);
    assert.deepEqual(m.permissions, ['products', 'productsso']);

    const used = await new Client(s.url).post(`${API}/invites/lookup`, { token: tokenOf(mail.link) });
    assert.equal(used.status, 410);
    assert.equal(used.json.error.code, 'invite_used');
    const [c2] = await registerUser(s);
    const usedAccept = await c2.post(`${API}/invites/accept`, { token: tokenOf(mail.link) });
    assert.equal(usedAccept.status, 410);
    assert.equal(usedAccept.json.error.code, 'invite_used');
  });

  test('registering with another email through the link creates the user, the membership and a session at once', async () => {
    const acct = await ownedAccount();
    const invited = uniqueEmail('invited');
    await acct.owner.post(`${API}/account/invites`, { email: invited, permissions: 'all' });
    const mail = await mailTo(invited);
    const other = uniqueEmail('other');
    const c = new Client(s.url);
    const r = await c.post(`${API}/invites/accept`, { token: tokenOf(mail.link), register: { email: other, password: PASSWORD, first_name: 'Otto', last_name: 'Other' } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.user.email, other);
    assert.equal(r.json.user.email_verified, false);
    assert.equal(r.json.accounts.length, 1);
    assert.equal(r.json.permissions.length, 14);
    assert.ok(c.cookies.get('memberd_session'));
    assert.equal((await c.get(`${API}/me`)).json.active_client_id, acct.client.id);
    assert.equal((await c.get(`${API}/account/users`)).status, 200, 'all permissions include users');
  });

  test('registering through the link with a taken email is 409 email_taken and changes nothing', async () => {
    const acct = await ownedAccount();
    const invited = uniqueEmail('inv');
    await acct.owner.post(`${API}/account/invites`, { email: invited, permissions: ['domains'] });
    const mail = await mailTo(invited);
    const [, existing] = await registerUser(s);
    const r = await new Client(s.url).post(`${API}/invites/accept`, { token: tokenOf(mail.link), register: { email: existing.email, password: PASSWORD, first_name: 'A', last_name: 'B' } });
    assert.equal(r.status, 409);
    assert.equal(r.json.error.code, 'email_taken');
    const bad = await new Client(s.url).post(`${API}/invites/accept`, { token: tokenOf(mail.link), register: { email: uniqueEmail(), password: 'short', first_name: 'A', last_name: 'B' } });
    assert.equal(bad.status, 422);
    assert.equal(bad.json.error.field, 'register.password');
    const anon = await new Client(s.url).post(`${API}/invites/accept`, { token: tokenOf(mail.link) });
    assert.equal(anon.status, 401);
    assert.equal((await new Client(s.url).post(`${API}/invites/lookup`, { token: tokenOf(mail.link) })).status, 200, 'still pending');
  });

  test('a member accepting again is 409 already_member and the invite stays pending', async () => {
    const acct = await ownedAccount();
    const [c, m] = await addMember(acct, ['domains']);
    const r = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { email: uniqueEmail('x'), permissions: ['domains'] });
    const email = r.json.invite.email;
    const mail = await mailTo(email);
    const acc = await c.post(`${API}/invites/accept`, { token: tokenOf(mail.link) });
    assert.equal(acc.status, 409);
    assert.equal(acc.json.error.code, 'already_member');
    const look = await new Client(s.url).post(`${API}/invites/lookup`, { token: tokenOf(mail.link) });
    assert.equal(look.status, 200, 'the invite stays pending');
    assert.ok(m.id);
  });

  test('a users delegate invites and manages, but grants only what it holds and never touches the owner', async () => {
    const acct = await ownedAccount();
    const [d, du] = await addMember(acct, ['users', 'domains', 'invoices']);
    const [, plain] = await addMember(acct, ['domains']);

    assert.equal((await d.get(`${API}/account/users`)).status, 200);
    const ok = await d.post(`${API}/account/invites`, { email: uniqueEmail('d'), permissions: ['domains'] });
    assert.equal(ok.status, 201, ok.text);
    assert.deepEqual(ok.json.invite.invited_by, { kind: 'user', name: 'Test User' });

    const esc = await d.post(`${API}/account/invites`, { email: uniqueEmail('d'), permissions: ['domains', 'orders'] });
    assert.equal(esc.status, 403);
    assert.equal(esc.json.error.code, 'forbidden');
    const all = await d.post(`${API}/account/invites`, { email: uniqueEmail('d'), permissions: 'all' });
    assert.equal(all.status, 403);

    const grant = await d.patch(`${API}/account/users/${plain.id}`, { permissions: ['domains', 'orders'] });
    assert.equal(grant.status, 403, 'cannot grant orders');
    const fine = await d.patch(`${API}/account/users/${plain.id}`, { permissions: ['domains', 'invoices'] });
    assert.equal(fine.status, 200);
    assert.deepEqual(fine.json.member.permissions, ['domains', 'invoices']);

    const touchOwner = await d.patch(`${API}/account/users/${acct.user.id}`, { permissions: ['domains'] });
    assert.equal(touchOwner.status, 403);
    assert.equal((await d.del(`${API}/account/users/${acct.user.id}`)).status, 403);
    const self = await d.patch(`${API}/account/users/${du.id}`, { permissions: ['users', 'domains', 'invoices', 'orders'] });
    assert.equal(self.status, 403, 'nor raise itself');

    const ownerSelf = await acct.owner.del(`${API}/account/users/${acct.user.id}`);
    assert.equal(ownerSelf.status, 409);
    assert.equal(ownerSelf.json.error.code, 'owner_protected');
    const ownerPatch = await acct.owner.patch(`${API}/account/users/${acct.user.id}`, { permissions: ['domains'] });
    assert.equal(ownerPatch.status, 409);
    assert.equal(ownerPatch.json.error.code, 'owner_protected');

    assert.equal((await d.del(`${API}/account/users/${plain.id}`)).status, 204);
  });

  test('a plain member gets 403 for managing users, and may leave', async () => {
    const acct = await ownedAccount();
    const [c, u] = await addMember(acct, ['domains', 'invoices']);
    const [, other] = await addMember(acct, ['domains']);
    for (const [method, path, body] of [
      ['GET', '/account/users'], ['POST', '/account/invites', { email: uniqueEmail(), permissions: ['domains'] }],
      ['PATCH', `/account/users/${other.id}`, { permissions: ['domains'] }], ['DELETE', `/account/users/${other.id}`],
    ]) {
      const r = await c.req(method, API + path, body);
      assert.equal(r.status, 403, `${method} ${path}`);
      assert.equal(r.json.error.code, 'forbidden');
    }
    assert.equal((await c.del(`${API}/account/users/${u.id}`)).status, 204, 'leave');
    const me = await c.get(`${API}/me`);
    assert.deepEqual(me.json.accounts, []);
    assert.equal(me.json.active_client_id, null);
    assert.equal(auditCount(acct.client.id, 'member_left'), 1);
  });

  test('losing the right to manage users cancels the pending invites the member sent, in the same change', async () => {
    const acct = await ownedAccount();
    const [d, du] = await addMember(acct, ['users', 'domains']);
    const i1 = (await d.post(`${API}/account/invites`, { email: uniqueEmail('a'), permissions: ['domains'] })).json.invite;
    const i2 = (await d.post(`${API}/account/invites`, { email: uniqueEmail('b'), permissions: ['domains'] })).json.invite;
    const byOwner = (await acct.owner.post(`${API}/account/invites`, { email: uniqueEmail('c'), permissions: ['domains'] })).json.invite;
    const p = await acct.owner.patch(`${API}/account/users/${du.id}`, { permissions: ['domains'] });
    assert.equal(p.status, 200);
    const status = (id) => s.sql(`SELECT status FROM invites WHERE id = ${id}`)[0][0];
    assert.equal(status(i1.id), 'cancelled');
    assert.equal(status(i2.id), 'cancelled');
    assert.equal(status(byOwner.id), 'pending');

    const [d2, du2] = await addMember(acct, ['users', 'domains']);
    const i3 = (await d2.post(`${API}/account/invites`, { email: uniqueEmail('e'), permissions: ['domains'] })).json.invite;
    assert.equal((await admin.del(`${API}/admin/clients/${acct.client.id}/users/${du2.id}`)).status, 204);
    assert.equal(status(i3.id), 'cancelled');
    const reasons = s.sql(`SELECT details->>'reason' FROM audit_log WHERE action = 'invite_cancelled' AND client_id = ${acct.client.id}`);
    assert.equal(reasons.filter((r) => r[0] === 'inviter_lost_access').length, 3);
  });

  test('resend from the Client Area gives a new link and a fresh 7 days; cancel kills it', async () => {
    const acct = await ownedAccount();
    const email = uniqueEmail('r');
    const inv = (await acct.owner.post(`${API}/account/invites`, { email, permissions: ['domains'] })).json.invite;
    const first = await mailTo(email);
    s.sql(`UPDATE invites SET last_sent_at = now() - interval '2 minutes', expires_at = now() + interval '1 day' WHERE id = ${inv.id}`);
    const re = await acct.owner.post(`${API}/account/invites/${inv.id}/resend`);
    assert.equal(re.status, 200);
    const left = (Date.parse(re.json.invite.expires_at) - Date.now()) / 86400000;
    assert.ok(left > 6.9 && left <= 7.01, `fresh validity, ${left} days`);
    assert.equal((await new Client(s.url).post(`${API}/invites/lookup`, { token: tokenOf(first.link) })).status, 404);
    const cancel = await acct.owner.post(`${API}/account/invites/${inv.id}/cancel`);
    assert.equal(cancel.status, 200);
    assert.equal(cancel.json.invite.status, 'cancelled');
    assert.deepEqual((await acct.owner.get(`${API}/account/users`)).json.invites, []);
  });

  test('an expired link: lookup and accept say so; resend revives it', async () => {
    const acct = await ownedAccount();
    const email = uniqueEmail('exp');
    const inv = (await acct.owner.post(`${API}/account/invites`, { email, permissions: ['domains'] })).json.invite;
    const mail = await mailTo(email);
    s.sql(`UPDATE invites SET expires_at = now() - interval '1 second', last_sent_at = now() - interval '8 days' WHERE id = ${inv.id}`);
    const look = await new Client(s.url).post(`${API}/invites/lookup`, { token: tokenOf(mail.link) });
    assert.equal(look.status, 410);
    assert.equal(look.json.error.code, 'invite_expired');
    const [c] = await registerUser(s);
    const acc = await c.post(`${API}/invites/accept`, { token: tokenOf(mail.link) });
    assert.equal(acc.status, 410);
    assert.equal(acc.json.error.code, 'invite_expired');
    const prof = await admin.get(`${API}/admin/clients/${acct.client.id}`);
    assert.equal(prof.json.invites.find((i) => i.id === inv.id).status, 'expired', 'the Admin Area lists expired invites');
    const mine = (await acct.owner.get(`${API}/account/users`)).json;
    assert.deepEqual(mine.invites, [], '"invites" lists pending ones, as the contract says');
    assert.deepEqual(mine.expired_invites.map((i) => [i.id, i.status]), [[inv.id, 'expired']], 'the expired one comes apart, to be resent');

    // housekeeping marks it, and an expired invite can be sent again
    const hk = s.memberctl(['housekeeping']);
    assert.equal(hk.status, 0, hk.stderr);
    assert.equal(s.sql(`SELECT status FROM invites WHERE id = ${inv.id}`)[0][0], 'expired');
    const re = await acct.owner.post(`${API}/account/invites/${inv.id}/resend`);
    assert.equal(re.status, 200, re.text);
    assert.equal(re.json.invite.status, 'pending');
    const again = await acct.owner.post(`${API}/account/invites`, { email, permissions: ['domains'] });
    assert.equal(again.status, 409);
    assert.equal(again.json.error.code, 'invite_pending');
  });

  test('an unknown or malformed token is 404 invite_not_found', async () => {
    for (const token of ['A'.repeat(43), 'short', "'; DROP TABLE invites;--"]) {
      const r = await new Client(s.url).post(`${API}/invites/lookup`, { token });
      assert.equal(r.status, 404);
      assert.equal(r.json.error.code, 'invite_not_found');
    }
    assert.equal((await new Client(s.url).post(`${API}/invites/lookup`, {})).status, 422);
  });

  test('at most invite_pending_limit pending invites per account: 429 invite_limit', async () => {
    const acct = await ownedAccount();
    for (let i = 0; i < 5; i++) {
      assert.equal((await acct.owner.post(`${API}/account/invites`, { email: uniqueEmail('lim'), permissions: ['domains'] })).status, 201);
    }
    const r = await acct.owner.post(`${API}/account/invites`, { email: uniqueEmail('lim'), permissions: ['domains'] });
    assert.equal(r.status, 429);
    assert.equal(r.json.error.code, 'invite_limit');
  });
});

describe('isolation between accounts', () => {
  test('an owner of account A cannot act on a user or an invite of account B, and nothing changes', async () => {
    const a = await ownedAccount('Alpha');
    const b = await ownedAccount('Beta');
    const [, bm] = await addMember(b, ['domains']);
    const binv = (await b.owner.post(`${API}/account/invites`, { email: uniqueEmail('b'), permissions: ['domains'] })).json.invite;
    const snapshot = () => JSON.stringify([
      s.sql(`SELECT user_id, permissions FROM client_users WHERE client_id = ${b.client.id} ORDER BY user_id`),
      s.sql(`SELECT id, status, token_hash, sent_count FROM invites WHERE client_id = ${b.client.id} ORDER BY id`),
    ]);
    const before = snapshot();
    const attempts = [
      a.owner.patch(`${API}/account/users/${bm.id}`, { permissions: 'all' }),
      a.owner.del(`${API}/account/users/${bm.id}`),
      a.owner.del(`${API}/account/users/${b.user.id}`),
      a.owner.post(`${API}/account/invites/${binv.id}/resend`),
      a.owner.post(`${API}/account/invites/${binv.id}/cancel`),
    ];
    for (const r of await Promise.all(attempts)) {
      assert.ok([403, 404].includes(r.status), `status ${r.status} ${r.text}`);
    }
    assert.equal(snapshot(), before);
    // nor by switching to an account it does not belong to
    assert.equal((await a.owner.post(`${API}/me/active-account`, { client_id: b.client.id })).status, 403);
    assert.equal((await a.owner.get(`${API}/account/users`)).json.client_id, a.client.id);
  });
});

describe('what the database keeps', () => {
  test('after delivery the database holds no live token; each change has one audit entry with its actor', async () => {
    const acct = await ownedAccount();
    const email = uniqueEmail('dump');
    const inv = (await acct.owner.post(`${API}/account/invites`, { email, permissions: ['domains'] })).json.invite;
    const mail = await mailTo(email);
    await waitFor('the invite email marked sent', () =>
      s.sql(`SELECT e.state FROM invites i JOIN email_queue e ON e.id = i.last_email_id WHERE i.id = ${inv.id}`)[0][0] === 'sent');
    const dump = pgDump(s);
    assert.ok(!dump.includes(tokenOf(mail.link)), 'the live invite token is in the dump');
    const listed = (await acct.owner.get(`${API}/account/users`)).json.invites.find((i) => i.id === inv.id);
    assert.equal(listed.delivery, 'sent');

    assert.equal(auditCount(acct.client.id, 'invite_created'), 1);
    const [actor] = s.sql(`SELECT actor_kind, actor_name, ip FROM audit_log WHERE client_id = ${acct.client.id} AND action = 'invite_created'`);
    assert.deepEqual(actor, ['user', acct.user.email, '127.0.0.1']);
    const [c] = await registerUser(s);
    assert.equal((await c.post(`${API}/invites/accept`, { token: tokenOf(mail.link) })).status, 200);
    assert.equal(auditCount(acct.client.id, 'invite_accepted'), 1);
  });
});

describe('bookkeeping', () => {
  test('each account\'s count of pending invitations matches its invitations after everything above', async () => {
    const drift = s.sql(`SELECT c.id, c.pending_invites, count(i.id) FROM clients c
      LEFT JOIN invites i ON i.client_id = c.id AND i.status = 'pending'
      GROUP BY c.id HAVING c.pending_invites <> count(i.id)`);
    assert.deepEqual(drift, []);
    assert.ok(Number(s.sql("SELECT sum(pending_invites) FROM clients")[0][0]) > 0);
  });
});
