// The Admin Area's users (issue 14, DESIGN §9), one story each: support
// finds anyone in the Users directory, edits, disables and enables them,
// cannot delete an owner, closes an account, acts as a user ("Login as
// User") without reaching what stays the user's own, and hands a control
// panel a one-use SSO link.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../lib/stack.mjs';
import {
  Client, PASSWORD, adminClient, linkFrom, registerUser, uniqueEmail,
} from '../lib/client.mjs';

const API = '/api/v1';
let s;
let admin;

before(async () => {
  s = await startStack();
  admin = await adminClient(s, uniqueEmail('admin'), 'Ada Admin');
});
after(async () => { await s?.stop(); });

const q = (v) => `'${String(v).replace(/'/g, "''")}'`;
const count = (sql) => Number(s.sql(sql)[0][0]);

async function account(ownerUser, fields = {}) {
  const r = await admin.post(`${API}/admin/clients`, {
    company_name: 'Acme ' + uniqueEmail('co'), first_name: 'Olga', last_name: 'Owner',
    owner: { user_id: ownerUser.id }, ...fields,
  });
  assert.equal(r.status, 201, r.text);
  return r.json.client;
}

async function member(client, user, permissions = ['tickets']) {
  const r = await admin.post(`${API}/admin/clients/${client.id}/users`, { user_id: user.id, permissions, send_invite: false });
  assert.equal(r.status, 201, r.text);
}

describe('the Users directory', () => {
  test('searches name and email anywhere, any case, with % and _ literal, 25 a page, with accounts_count', async () => {
    const tag = `zq${process.pid}x${Date.now() % 100000}`;
    for (let i = 0; i < 27; i++) {
      await registerUser(s, { email: `${tag}.${String(i).padStart(2, '0')}@example.com`, first_name: 'Dir', last_name: 'Entry' });
    }
    const [, pct] = await registerUser(s, { email: `${tag}100%_off@example.com`, first_name: 'Per', last_name: 'Cent' });
    const [, plain] = await registerUser(s, { email: `${tag}100xxoff@example.com`, first_name: 'Ply', last_name: 'Ain' });
    await account(pct);

    const p1 = await admin.get(`${API}/admin/users?search=${tag.toUpperCase()}&page=1`);
    assert.equal(p1.status, 200, p1.text);
    assert.equal(p1.json.per_page, 25);
    assert.equal(p1.json.total, 29);
    assert.equal(p1.json.total_capped, false);
    assert.equal(p1.json.users.length, 25);
    const p2 = await admin.get(`${API}/admin/users?search=${tag}&page=2`);
    assert.equal(p2.json.users.length, 4);
    const all = [...p1.json.users, ...p2.json.users].map((u) => u.email);
    assert.equal(new Set(all).size, 29, 'no row on two pages');
    assert.deepEqual(all, [...all].sort(), 'by address');

    // % and _ are the characters themselves, not wildcards
    const w = await admin.get(`${API}/admin/users?search=${encodeURIComponent('100%_')}&page=1`);
    assert.deepEqual(w.json.users.map((u) => u.id), [pct.id]);
    assert.equal(w.json.users[0].accounts_count, 1);
    assert.ok(!w.json.users.some((u) => u.id === plain.id));
    // infix in the full name, any case
    const n = await admin.get(`${API}/admin/users?search=${encodeURIComponent('r cEN')}&page=1`);
    assert.ok(n.json.users.some((u) => u.id === pct.id), n.text);
    // Select User (no page) keeps its answer: prefix match, at most 20, no paging fields
    const sel = await admin.get(`${API}/admin/users?search=${tag}`);
    assert.equal(sel.status, 200);
    assert.equal(sel.json.users.length, 20);
    assert.equal(sel.json.total, undefined);
    const none = await admin.get(`${API}/admin/users?search=${tag}nothing&page=1`);
    assert.equal(none.json.total, 0);
    assert.deepEqual(none.json.users, []);
    assert.equal((await admin.get(`${API}/admin/users?page=0`)).status, 422);
  });

  test('a search matching more than 10,000 users counts to 10,000 and says so; the page is still there', async () => {
    const tag = `cap${process.pid}x${Date.now() % 100000}`;
    s.sql(`INSERT INTO users (email, first_name, last_name) SELECT '${tag}.' || i || '@example.com', 'Many', 'Many'
      FROM generate_series(1, 10001) i`);
    const r = await admin.get(`${API}/admin/users?search=${tag}&page=3`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.total, 10000);
    assert.equal(r.json.total_capped, true);
    assert.equal(r.json.users.length, 25);
    const all = await admin.get(`${API}/admin/users?page=1`);
    assert.equal(all.json.total_capped, false, 'everyone is always counted');
    assert.ok(all.json.total > 10000);
  });

  test("a user's page: details, accounts with role and permissions, live sessions", async () => {
    const [, u] = await registerUser(s, { first_name: 'Paige', last_name: 'Detail' });
    const [, o] = await registerUser(s);
    const own = await account(u);
    const other = await account(o);
    await member(other, u, ['tickets', 'invoices']);
    const r = await admin.get(`${API}/admin/users/${u.id}`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.email, u.email);
    assert.equal(r.json.user.email_verified, false);
    assert.equal(r.json.user.two_factor, false);
    assert.equal(r.json.user.status, 'active');
    assert.ok(r.json.user.last_login_at);
    assert.equal(r.json.sessions, 1);
    const byId = Object.fromEntries(r.json.accounts.map((a) => [a.client_id, a]));
    assert.equal(byId[own.id].is_owner, true);
    assert.deepEqual(byId[other.id].permissions.sort(), ['invoices', 'tickets']);
    assert.equal((await admin.get(`${API}/admin/users/999999999`)).status, 404);
  });
});

describe('editing, disabling, deleting', () => {
  test('names and a verified mark change; an email taken by someone else is 409 email_taken', async () => {
    const [, u] = await registerUser(s);
    const [, other] = await registerUser(s);
    const acct = await account(u);
    const r = await admin.patch(`${API}/admin/users/${u.id}`, { first_name: 'Renamed', email_verified: true });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.first_name, 'Renamed');
    assert.equal(r.json.user.email_verified, true);
    const taken = await admin.patch(`${API}/admin/users/${u.id}`, { email: other.email.toUpperCase() });
    assert.equal(taken.status, 409, taken.text);
    assert.equal(taken.json.error.code, 'email_taken');
    assert.equal(taken.json.error.field, 'email');
    assert.equal(s.sql(`SELECT email FROM users WHERE id = ${u.id}`)[0][0], u.email, 'nothing written');
    const moved = await admin.patch(`${API}/admin/users/${u.id}`, { email: uniqueEmail('moved') });
    assert.equal(moved.status, 200);
    assert.equal(moved.json.user.email_verified, false, 'a changed address is unverified');
    const rows = s.sql(`SELECT actor_kind, actor_name, action FROM audit_log WHERE client_id = ${acct.id} AND action = 'user_updated'`);
    assert.equal(rows.length, 2);
    assert.deepEqual(rows[0], ['admin', admin.email, 'user_updated']);
  });

  test('a disabled user is refused at login after the password, their live session is dead; enabled again, all works', async () => {
    const [c, u] = await registerUser(s);
    const acct = await account(u);
    const c2 = new Client(s.url);
    assert.equal((await c2.post(`${API}/auth/login`, { email: u.email, password: PASSWORD })).status, 200);
    assert.equal(count(`SELECT count(*) FROM sessions WHERE user_id = ${u.id}`), 2);

    const d = await admin.patch(`${API}/admin/users/${u.id}`, { status: 'disabled' });
    assert.equal(d.status, 200, d.text);
    assert.equal(d.json.user.status, 'disabled');
    assert.equal(count(`SELECT count(*) FROM sessions WHERE user_id = ${u.id}`), 0, 'every session deleted');
    assert.equal((await c.get(`${API}/me`)).status, 401, 'the live session is dead');
    const wrong = await new Client(s.url).post(`${API}/auth/login`, { email: u.email, password: 'wrong password!' });
    assert.equal(wrong.status, 401, 'a wrong password tells nothing more');
    const refused = await new Client(s.url).post(`${API}/auth/login`, { email: u.email, password: PASSWORD });
    assert.equal(refused.status, 403, refused.text);
    assert.equal(refused.json.error.code, 'user_disabled');
    assert.deepEqual(s.sql(`SELECT actor_kind, action FROM audit_log WHERE client_id = ${acct.id} AND action = 'user_disabled'`), [['admin', 'user_disabled']]);

    const e = await admin.patch(`${API}/admin/users/${u.id}`, { status: 'active' });
    assert.equal(e.json.user.status, 'active');
    const back = new Client(s.url);
    assert.equal((await back.post(`${API}/auth/login`, { email: u.email, password: PASSWORD })).status, 200);
    assert.equal((await back.get(`${API}/me`)).status, 200);
  });

  test('a disabled user cannot accept an invitation', async () => {
    const [c, u] = await registerUser(s);
    const [, o] = await registerUser(s);
    const acct = await account(o);
    const inv = await admin.post(`${API}/admin/clients/${acct.id}/users`, { email: u.email, permissions: ['tickets'], send_invite: true });
    assert.equal(inv.status, 201, inv.text);
    const mail = await s.waitForMail((raw) => raw.includes(u.email) && raw.includes('/invite#'));
    const token = linkFrom(mail.raw, '/invite').split('#')[1];
    assert.equal((await admin.patch(`${API}/admin/users/${u.id}`, { status: 'disabled' })).status, 200);
    const r = await c.post(`${API}/invites/accept`, { token });
    assert.equal(r.status, 401, 'no session is left to accept with');
    assert.equal(s.sql(`SELECT status FROM invites WHERE id = ${inv.json.invite.id}`)[0][0], 'pending');
  });

  test('password reset mails a link; delete is refused for an owner and takes a member with memberships and sessions', async () => {
    const [, ownerU] = await registerUser(s);
    const [mc, m] = await registerUser(s);
    const acct = await account(ownerU);
    await member(acct, m);
    const pr = await admin.post(`${API}/admin/users/${m.id}/password-reset`);
    assert.equal(pr.status, 202, pr.text);
    const mail = await s.waitForMail((raw) => raw.includes(m.email) && raw.includes('/reset-password#'));
    assert.ok(linkFrom(mail.raw, '/reset-password'));

    const no = await admin.del(`${API}/admin/users/${ownerU.id}`);
    assert.equal(no.status, 409, no.text);
    assert.equal(no.json.error.code, 'owner_protected');
    const yes = await admin.del(`${API}/admin/users/${m.id}`);
    assert.equal(yes.status, 204, yes.text);
    assert.equal(count(`SELECT count(*) FROM users WHERE id = ${m.id}`), 0);
    assert.equal(count(`SELECT count(*) FROM client_users WHERE user_id = ${m.id}`), 0);
    assert.equal(count(`SELECT count(*) FROM sessions WHERE user_id = ${m.id}`), 0);
    assert.equal((await mc.get(`${API}/me`)).status, 401);
    assert.equal(count(`SELECT count(*) FROM audit_log WHERE client_id = ${acct.id} AND action = 'user_deleted' AND actor_kind = 'admin'`), 1);
  });
});

describe('client profiles', () => {
  test('edit names; closing cancels pending invitations in the same change and hides the account from switching', async () => {
    const [oc, o] = await registerUser(s);
    const acct = await account(o);
    assert.equal((await oc.post(`${API}/me/active-account`, { client_id: acct.id })).status, 200);
    const inv = await admin.post(`${API}/admin/clients/${acct.id}/users`, { email: uniqueEmail('inv'), permissions: ['tickets'], send_invite: true });
    assert.equal(inv.status, 201);
    const e = await admin.patch(`${API}/admin/clients/${acct.id}`, { company_name: 'Renamed Ltd', first_name: 'New' });
    assert.equal(e.status, 200, e.text);
    assert.equal(e.json.client.company_name, 'Renamed Ltd');
    assert.equal(e.json.client.first_name, 'New');
    assert.equal((await admin.patch(`${API}/admin/clients/${acct.id}`, { first_name: '' })).status, 422);
    assert.equal((await admin.patch(`${API}/admin/clients/${acct.id}`, { status: 'gone' })).status, 422);

    const c = await admin.patch(`${API}/admin/clients/${acct.id}`, { status: 'closed' });
    assert.equal(c.status, 200);
    assert.equal(c.json.client.status, 'closed');
    assert.equal(s.sql(`SELECT status FROM invites WHERE id = ${inv.json.invite.id}`)[0][0], 'cancelled');
    assert.equal(count(`SELECT count(*) FROM audit_log WHERE client_id = ${acct.id} AND action = 'invite_cancelled' AND details->>'reason' = 'account_closed'`), 1);
    const me = await oc.get(`${API}/me`);
    assert.equal(me.json.active_client_id, null, 'no session acts in a closed account');
    assert.equal(me.json.accounts.find((a) => a.client_id === acct.id).status, 'closed');
    const sw = await oc.post(`${API}/me/active-account`, { client_id: acct.id });
    assert.equal(sw.status, 403);
    assert.equal((await admin.patch(`${API}/admin/clients/${acct.id}`, { status: 'active' })).json.client.status, 'active');
    assert.equal((await oc.post(`${API}/me/active-account`, { client_id: acct.id })).status, 200);
  });
});

describe('Login as User', () => {
  test('the banner data, the forbidden changes, audit rows naming the admin, and the end of the session', async () => {
    const [, o] = await registerUser(s, { first_name: 'Imogen', last_name: 'Owner' });
    const acct = await account(o);
    const [, invitee] = await registerUser(s);
    const inv = await admin.post(`${API}/admin/clients/${acct.id}/users`, { email: invitee.email, permissions: ['tickets'], send_invite: true });
    const mail = await s.waitForMail((raw) => raw.includes(invitee.email) && raw.includes('/invite#'));
    const token = linkFrom(mail.raw, '/invite').split('#')[1];

    // the admin's browser gets a user session beside its admin one
    const before = s.sql('SELECT max(id) FROM audit_log')[0][0] || 0;
    const r = await admin.req('POST', `${API}/admin/users/${o.id}/login-as`, { client_id: acct.id },
      { headers: { 'user-agent': 'Admin Browser/1.0' } });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.id, o.id);
    assert.equal(r.json.impersonated_by.name, 'Ada Admin');
    assert.ok(admin.cookies.get('memberd_session'), 'a user session cookie');
    assert.ok(admin.cookies.get('memberd_admin'), 'the admin session stays');
    const cookie = admin.lastSetCookies.find((c) => c.startsWith('memberd_session='));
    assert.match(cookie, /Max-Age=3600/);
    const row = s.sql(`SELECT impersonated_by IS NOT NULL, expires_at <= now() + interval '1 hour' FROM sessions WHERE user_id = ${o.id} AND impersonated_by IS NOT NULL`);
    assert.deepEqual(row, [['t', 't']]);
    // it records where it comes from, as every sign-in does (DESIGN §8.2)
    assert.deepEqual(s.sql(`SELECT ip IS NOT NULL, user_agent FROM sessions WHERE user_id = ${o.id} AND impersonated_by IS NOT NULL`),
      [['t', 'Admin Browser/1.0']]);
    assert.deepEqual(s.sql(`SELECT actor_kind, actor_name, action FROM audit_log WHERE id > ${before} AND client_id = ${acct.id}`),
      [['admin', admin.email, 'admin_login_as']]);

    // the portal's view of it: a banner "Signed in as ... by Ada Admin"
    const as = new Client(s.url);
    as.cookies.set('memberd_session', admin.cookies.get('memberd_session'));
    as.csrf = r.json.csrf_token;
    const me = await as.get(`${API}/me`);
    assert.equal(me.status, 200);
    assert.deepEqual(me.json.impersonated_by, { admin_id: me.json.impersonated_by.admin_id, name: 'Ada Admin' });
    assert.equal(me.json.active_client_id, acct.id);
    // the Security page lists it as made by an administrator
    const mine = (await as.get(`${API}/me/sessions`)).json.sessions.find((x) => x.current);
    assert.equal(mine.impersonated, true);
    assert.equal(mine.user_agent, 'Admin Browser/1.0');

    // accepting an invitation stays the user's own
    const acc = await as.post(`${API}/invites/accept`, { token });
    assert.equal(acc.status, 403, acc.text);
    assert.equal(acc.json.error.code, 'impersonation_forbidden');
    assert.equal(s.sql(`SELECT status FROM invites WHERE id = ${inv.json.invite.id}`)[0][0], 'pending');

    // a change made inside is audited with the admin as actor, on behalf of the user
    const mid = s.sql('SELECT max(id) FROM audit_log')[0][0];
    const invite = await as.post(`${API}/account/invites`, { email: uniqueEmail('inside'), permissions: ['tickets'] });
    assert.equal(invite.status, 201, invite.text);
    const cancel = await as.post(`${API}/account/invites/${invite.json.invite.id}/cancel`);
    assert.equal(cancel.status, 200);
    const rows = s.sql(`SELECT actor_kind, actor_id, actor_name, action, details->>'on_behalf_of_user_id' FROM audit_log
      WHERE id > ${mid} ORDER BY id`);
    const adminId = String(me.json.impersonated_by.admin_id);
    assert.deepEqual(rows, [
      ['admin', adminId, 'Ada Admin', 'invite_created', String(o.id)],
      ['admin', adminId, 'Ada Admin', 'invite_cancelled', String(o.id)],
    ]);
    // the invitation itself is the user's, as the rules judged it
    assert.equal(invite.json.invite.invited_by.kind, 'user');

    // "Return to Admin Area": logout ends that session; the admin's stays
    assert.equal((await as.post(`${API}/auth/logout`)).status, 204);
    assert.equal((await as.get(`${API}/me`)).status, 401);
    assert.equal(count(`SELECT count(*) FROM sessions WHERE user_id = ${o.id} AND impersonated_by IS NOT NULL`), 0);
    assert.equal((await admin.get(`${API}/admin/me`)).status, 200);
  });

  test('not for a disabled user, an account that is not theirs, or an API token', async () => {
    const [, u] = await registerUser(s);
    const [, o] = await registerUser(s);
    const foreign = await account(o);
    const nf = await admin.post(`${API}/admin/users/${u.id}/login-as`, { client_id: foreign.id });
    assert.equal(nf.status, 404, nf.text);
    await admin.patch(`${API}/admin/users/${u.id}`, { status: 'disabled' });
    const d = await admin.post(`${API}/admin/users/${u.id}/login-as`, {});
    assert.equal(d.status, 403);
    assert.equal(d.json.error.code, 'user_disabled');
    const tok = s.memberctl(['admin', 'token', admin.email]).stdout.trim();
    const b = await s.api(`${API}/admin/users/${o.id}/login-as`, { method: 'POST', body: {}, headers: { authorization: `Bearer ${tok}` } });
    assert.equal(b.status, 403);
    assert.equal(b.json.error.code, 'forbidden');
  });
});

describe('SSO links', () => {
  test('a link works once, lands on its destination with its account active; used, aged or unknown is 410', async () => {
    const [, u] = await registerUser(s);
    const acct = await account(u);
    const tok = s.memberctl(['admin', 'token', admin.email]).stdout.trim();
    const bearer = { authorization: `Bearer ${tok}` };
    const r = await s.api(`${API}/admin/users/${u.id}/sso-token`, { method: 'POST', body: { client_id: acct.id, destination: '/portal/?tab=users' }, headers: bearer });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.url, `${s.url}/sso#${r.json.token}`);
    const left = (Date.parse(r.json.expires_at) - Date.now()) / 1000;
    assert.ok(left > 30 && left <= 61, `about 60 s (${left})`);
    assert.equal(count(`SELECT count(*) FROM sso_tokens WHERE token_hash = sha256(convert_to(${q(r.json.token)}, 'UTF8'))`), 1, 'stored hashed');

    const c = new Client(s.url);
    const used = await c.req('POST', `${API}/auth/sso`, { token: r.json.token }, { headers: { 'user-agent': 'SSO Browser/2.0' } });
    assert.equal(used.status, 200, used.text);
    assert.deepEqual(s.sql(`SELECT ip IS NOT NULL, user_agent, impersonated_by IS NULL FROM sessions WHERE user_id = ${u.id}
      AND user_agent = 'SSO Browser/2.0'`), [['t', 'SSO Browser/2.0', 't']]);
    assert.equal(used.json.destination, '/portal/?tab=users');
    assert.equal(used.json.user.id, u.id);
    assert.equal((await c.get(`${API}/me`)).json.active_client_id, acct.id);
    const again = await new Client(s.url).post(`${API}/auth/sso`, { token: r.json.token });
    assert.equal(again.status, 410);
    assert.equal(again.json.error.code, 'token_invalid');

    // expired: the row aged past its 60 seconds in the database
    const r2 = await admin.post(`${API}/admin/users/${u.id}/sso-token`, {});
    assert.equal(r2.status, 201, r2.text);
    s.sql(`UPDATE sso_tokens SET created_at = created_at - interval '61 seconds', expires_at = expires_at - interval '61 seconds' WHERE token_hash = sha256(convert_to(${q(r2.json.token)}, 'UTF8'))`);
    const old = await new Client(s.url).post(`${API}/auth/sso`, { token: r2.json.token });
    assert.equal(old.status, 410);
    const unknown = await new Client(s.url).post(`${API}/auth/sso`, { token: 'x'.repeat(43) });
    assert.equal(unknown.status, 410);

    // housekeeping deletes links a day past their expiry, not younger ones
    const hashOf = (t) => `sha256(convert_to(${q(t)}, 'UTF8'))`;
    s.sql(`UPDATE sso_tokens SET created_at = now() - interval '2 days', expires_at = now() - interval '2 days' WHERE token_hash = ${hashOf(r2.json.token)}`);
    const hk = s.memberctl(['housekeeping']);
    assert.equal(hk.status, 0, hk.stderr);
    assert.match(hk.stdout, /SSO links deleted: [1-9]/);
    assert.equal(count(`SELECT count(*) FROM sso_tokens WHERE token_hash = ${hashOf(r2.json.token)}`), 0);
    assert.equal(count(`SELECT count(*) FROM sso_tokens WHERE token_hash = ${hashOf(r.json.token)}`), 1, 'a link used today stays');
  });

  test('a destination off the site is 422', async () => {
    const [, u] = await registerUser(s);
    for (const destination of ['//evil.example/', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)',
      '/.//evil.example', '/%5cevil', '/a/../..//evil', '/%2e%2e//evil', '/x\ty']) {
      const r = await admin.post(`${API}/admin/users/${u.id}/sso-token`, { destination });
      assert.equal(r.status, 422, `${destination}: ${r.text}`);
      assert.equal(r.json.error.field, 'destination');
    }
    assert.equal((await admin.post(`${API}/admin/users/${u.id}/sso-token`, { destination: '/portal/#users' })).status, 201);
  });
});
