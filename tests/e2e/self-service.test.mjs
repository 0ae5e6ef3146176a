// The user's own identity end to end (DESIGN §8.1, §8.2), through nginx
// with the real SMTP catcher: the profile, email verification by the
// emailed link, email change (the new address proves itself, the old one
// is told), a new password (other sessions end, this one is rotated, a
// wrong current password counts as a failed login), the sessions list
// with where each came from, and what an administrator acting as the
// user may not do.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { startStack, waitFor } from '../lib/stack.mjs';
import {
  Client, PASSWORD, adminClient, linkFrom, pgDump, registerUser, uniqueEmail,
} from '../lib/client.mjs';

const API = '/api/v1';
const MAX_FAILURES = 4;
let s;
let admin;

before(async () => {
  s = await startStack({ workers: 2, conf: `login_max_failures = ${MAX_FAILURES}` });
  admin = await adminClient(s);
});
after(async () => { await s?.stop(); });

// The first caught mail to address whose subject is subject.
async function mailTo(address, subject) {
  const m = await s.waitForMail((raw) => raw.includes(`To: ${address}`) || raw.includes(`<${address}>`)
    ? new RegExp(`^Subject: ${subject}`, 'm').test(raw) : false);
  return m.raw;
}
const mailsTo = (address, subject) => s.mails().filter((m) =>
  (m.raw.includes(`To: ${address}`) || m.raw.includes(`<${address}>`)) && new RegExp(`^Subject: ${subject}`, 'm').test(m.raw));
const verifyLink = (raw) => linkFrom(raw, '/verify-email');
const tokenOf = (link) => link.split('#')[1];
const auditCount = (userId, action) =>
  Number(s.sql(`SELECT count(*) FROM audit_log WHERE actor_id = ${userId} AND actor_kind = 'user' AND action = '${action}'`)[0][0]);

async function signIn(email, password = PASSWORD, headers = {}) {
  const c = new Client(s.url);
  const r = await c.post(`${API}/auth/login`, { email, password }, { headers });
  assert.equal(r.status, 200, r.text);
  return c;
}

describe('the user object', () => {
  test('carries status and two_factor everywhere; PATCH /me changes the names', async () => {
    const [c, u] = await registerUser(s, { first_name: 'Pat', last_name: 'Old' });
    assert.equal(u.status, 'active');
    assert.equal(u.two_factor, false);
    const me = await c.get(`${API}/me`);
    assert.equal(me.json.user.status, 'active');
    assert.equal(me.json.user.two_factor, false);
    const found = await admin.get(`${API}/admin/users?search=${encodeURIComponent(u.email)}`);
    assert.equal(found.json.users[0].two_factor, false);

    const r = await c.patch(`${API}/me`, { last_name: 'Néw' });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.first_name, 'Pat', 'an absent name stays');
    assert.equal(r.json.user.last_name, 'Néw');
    assert.equal((await c.get(`${API}/me`)).json.user.last_name, 'Néw');
    for (const bad of [{ first_name: '' }, { last_name: 'a\nb' }, { first_name: 'x'.repeat(101) }, { first_name: 7 }]) {
      const e = await c.patch(`${API}/me`, bad);
      assert.equal(e.status, 422, JSON.stringify(bad));
      assert.equal(e.json.error.field, Object.keys(bad)[0]);
    }
    assert.equal((await c.patch(`${API}/me`, { first_name: 'X' }, { csrf: false })).status, 403, 'CSRF');
    assert.equal((await new Client(s.url).patch(`${API}/me`, { first_name: 'X' })).status, 401);
    assert.equal(auditCount(u.id, 'profile_updated'), 1);
  });
});

describe('email verification', () => {
  test('registration mails a 24-hour link; using it verifies the address, once', async () => {
    const [c, u] = await registerUser(s);
    assert.equal(u.email_verified, false);
    const raw = await mailTo(u.email, 'Email Address Verification');
    const link = verifyLink(raw);
    assert.ok(link && link.startsWith(`${s.url}/verify-email#`), 'a /verify-email#token link');
    const ttl = s.sql(`SELECT extract(epoch FROM expires_at - created_at)::int FROM email_verifications WHERE user_id = ${u.id}`);
    assert.deepEqual(ttl, [['86400']]);

    const anon = new Client(s.url);
    const r = await anon.post(`${API}/auth/verify-email`, { token: tokenOf(link) });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.id, u.id);
    assert.equal(r.json.user.email_verified, true);
    assert.equal((await c.get(`${API}/me`)).json.user.email_verified, true);
    assert.equal(anon.cookies.size, 0, 'the link signs nobody in');

    const again = await anon.post(`${API}/auth/verify-email`, { token: tokenOf(link) });
    assert.equal(again.status, 410);
    assert.equal(again.json.error.code, 'token_invalid');
    for (const token of ['x'.repeat(43), 'short', tokenOf(link).slice(0, 42) + '_']) {
      const bad = await anon.post(`${API}/auth/verify-email`, { token });
      assert.equal(bad.status, 410, token);
      assert.equal(bad.json.error.code, 'token_invalid');
    }
    assert.equal((await anon.post(`${API}/auth/verify-email`, {})).status, 422);
    assert.equal(auditCount(u.id, 'email_verified'), 1);
  });

  test('an expired link is 410 token_invalid and verifies nothing', async () => {
    const [c, u] = await registerUser(s);
    const link = verifyLink(await mailTo(u.email, 'Email Address Verification'));
    s.sql(`UPDATE email_verifications SET expires_at = now() - interval '1 second' WHERE user_id = ${u.id}`);
    const r = await new Client(s.url).post(`${API}/auth/verify-email`, { token: tokenOf(link) });
    assert.equal(r.status, 410);
    assert.equal((await c.get(`${API}/me`)).json.user.email_verified, false);
  });

  test('resend: at most one mail a minute (429 resend_too_soon with Retry-After), none once verified', async () => {
    const [c, u] = await registerUser(s);
    await mailTo(u.email, 'Email Address Verification');
    const soon = await c.post(`${API}/me/verify-email/resend`);
    assert.equal(soon.status, 429);
    assert.equal(soon.json.error.code, 'resend_too_soon');
    const wait = Number(soon.headers.get('retry-after'));
    assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait}`);
    assert.equal(mailsTo(u.email, 'Email Address Verification').length, 1);

    // the first mail went out a minute ago
    s.sql(`UPDATE email_verifications SET created_at = created_at - interval '61 seconds' WHERE user_id = ${u.id}`);
    const ok = await c.post(`${API}/me/verify-email/resend`);
    assert.equal(ok.status, 202, ok.text);
    await s.waitForMail(() => mailsTo(u.email, 'Email Address Verification').length === 2);
    const links = mailsTo(u.email, 'Email Address Verification').map((m) => verifyLink(m.raw));
    assert.notEqual(links[0], links[1], 'a new token');
    assert.equal((await c.post(`${API}/me/verify-email/resend`)).status, 429, 'and again a minute to wait');

    assert.equal((await new Client(s.url).post(`${API}/auth/verify-email`, { token: tokenOf(links[1]) })).status, 200);
    assert.equal((await new Client(s.url).post(`${API}/auth/verify-email`, { token: tokenOf(links[0]) })).status, 410,
      'one use verifies the address: the other link is spent');
    s.sql(`UPDATE email_verifications SET created_at = created_at - interval '1 hour' WHERE user_id = ${u.id}`);
    const verified = await c.post(`${API}/me/verify-email/resend`);
    assert.equal(verified.status, 202);
    assert.match(verified.json.message, /verified already/);
    assert.equal(Number(s.sql(`SELECT count(*) FROM email_verifications WHERE user_id = ${u.id}`)[0][0]), 2, 'no new link');
  });

  test('accepting an invitation by registering with another address mails a verification; the invited one needs none', async () => {
    const [, ownerUser] = await registerUser(s);
    const acct = await admin.post(`${API}/admin/clients`, { company_name: 'Verify Co', first_name: 'O', last_name: 'W', owner: { user_id: ownerUser.id } });
    assert.equal(acct.status, 201, acct.text);
    for (const sameAddress of [false, true]) {
      const invited = uniqueEmail('invited');
      const inv = await admin.post(`${API}/admin/clients/${acct.json.client.id}/users`, { email: invited, permissions: ['invoices'], send_invite: true });
      assert.equal(inv.status, 201, inv.text);
      const link = linkFrom(await mailTo(invited, '.*'), '/invite');
      assert.ok(link, 'an invitation link');
      const email = sameAddress ? invited : uniqueEmail('other');
      const r = await new Client(s.url).post(`${API}/invites/accept`, { token: link.split('#')[1], register: { email, password: PASSWORD, first_name: 'I', last_name: 'V' } });
      assert.equal(r.status, 201, r.text);
      assert.equal(r.json.user.email_verified, sameAddress);
      const rows = Number(s.sql(`SELECT count(*) FROM email_verifications WHERE user_id = ${r.json.user.id}`)[0][0]);
      assert.equal(rows, sameAddress ? 0 : 1);
      if (!sameAddress) assert.ok(verifyLink(await mailTo(email, 'Email Address Verification')));
    }
  });
});

describe('email change', () => {
  test('the new address gets the link; nothing changes until it is used; then the old address is told', async () => {
    const [c, u] = await registerUser(s, { first_name: 'Cher' });
    const next = uniqueEmail('moved');
    const wrong = await c.post(`${API}/me/email`, { email: next, current_password: 'not my password' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error.code, 'invalid_credentials');
    assert.equal((await c.post(`${API}/me/email`, { email: 'nope', current_password: PASSWORD })).status, 422);
    const own = await c.post(`${API}/me/email`, { email: u.email.toUpperCase(), current_password: PASSWORD });
    assert.equal(own.status, 422);
    assert.equal(own.json.error.field, 'email');

    const r = await c.post(`${API}/me/email`, { email: next, current_password: PASSWORD });
    assert.equal(r.status, 202, r.text);
    assert.equal((await c.get(`${API}/me`)).json.user.email, u.email, 'unchanged until the link is used');
    const raw = await mailTo(next, 'Email Address Verification');
    assert.ok((await simpleParser(raw)).text.includes(u.email), 'the mail says which account');
    const link = verifyLink(raw);
    assert.ok(link);
    assert.equal((await new Client(s.url).post(`${API}/auth/login`, { email: next, password: PASSWORD })).status, 401);

    const v = await new Client(s.url).post(`${API}/auth/verify-email`, { token: tokenOf(link) });
    assert.equal(v.status, 200, v.text);
    assert.equal(v.json.user.email, next);
    assert.equal(v.json.user.email_verified, true);
    assert.equal((await c.get(`${API}/me`)).json.user.email, next, 'the session goes on with the new address');

    const notice = (await simpleParser(await mailTo(u.email, 'Email Address Changed'))).text;
    assert.ok(notice.includes(next), 'the old address learns the new one');
    assert.match(notice, /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/, 'and when');
    assert.match(notice, /did not make this change/, 'and how to get help');
    assert.equal((await new Client(s.url).post(`${API}/auth/login`, { email: next, password: PASSWORD })).status, 200);
    assert.equal((await new Client(s.url).post(`${API}/auth/login`, { email: u.email, password: PASSWORD })).status, 401);
    assert.equal((await new Client(s.url).post(`${API}/auth/verify-email`, { token: tokenOf(link) })).status, 410);
    assert.equal(auditCount(u.id, 'email_changed'), 1);
  });

  test('an address taken meanwhile is 409 email_taken at confirmation, and nothing changes', async () => {
    const [c, u] = await registerUser(s);
    const next = uniqueEmail('contested');
    assert.equal((await c.post(`${API}/me/email`, { email: next, current_password: PASSWORD })).status, 202);
    const link = verifyLink(await mailTo(next, 'Email Address Verification'));
    await registerUser(s, { email: next });
    const r = await new Client(s.url).post(`${API}/auth/verify-email`, { token: tokenOf(link) });
    assert.equal(r.status, 409);
    assert.equal(r.json.error.code, 'email_taken');
    assert.equal(r.json.error.field, undefined, 'the request named no address');
    assert.equal((await c.get(`${API}/me`)).json.user.email, u.email);
    assert.equal(mailsTo(u.email, 'Email Address Changed').length, 0, 'no notice');
    const taken = await c.post(`${API}/me/email`, { email: next.toUpperCase(), current_password: PASSWORD });
    assert.equal(taken.status, 409, 'and asking for it now is refused at once');
    assert.equal(taken.json.error.code, 'email_taken');
  });

  test('a newer change request kills the older link', async () => {
    const [c] = await registerUser(s);
    const first = uniqueEmail('first');
    const second = uniqueEmail('second');
    assert.equal((await c.post(`${API}/me/email`, { email: first, current_password: PASSWORD })).status, 202);
    const old = verifyLink(await mailTo(first, 'Email Address Verification'));
    assert.equal((await c.post(`${API}/me/email`, { email: second, current_password: PASSWORD })).status, 202);
    const r = await new Client(s.url).post(`${API}/auth/verify-email`, { token: tokenOf(old) });
    assert.equal(r.status, 410);
  });

  test('a dump of the database holds no verification token', async () => {
    const [c, u] = await registerUser(s);
    const next = uniqueEmail('dumped');
    assert.equal((await c.post(`${API}/me/email`, { email: next, current_password: PASSWORD })).status, 202);
    const tokens = [verifyLink(await mailTo(u.email, 'Email Address Verification')),
      verifyLink(await mailTo(next, 'Email Address Verification'))].map(tokenOf);
    // a queued mail carries its link until it is sent, then its bodies are erased
    await waitFor('the mails sent', () => Number(s.sql(`SELECT count(*) FROM email_queue WHERE recipient IN ('${u.email}', '${next}') AND (state <> 'sent' OR body_text IS NOT NULL)`)[0][0]) === 0);
    const dump = pgDump(s);
    assert.ok(dump.includes(u.email), 'the dump is of this database');
    for (const t of tokens) {
      assert.equal(t.length, 43);
      assert.ok(!dump.includes(t), 'the token is not in the dump');
    }
    assert.ok(!s.sql('SELECT token_hash::text FROM email_verifications').flat().some((h) => tokens.some((t) => h.includes(t))));
  });
});

describe('password change', () => {
  test('ends every other session and rotates this one', async () => {
    const [c, u] = await registerUser(s);
    const other = await signIn(u.email);
    const before = c.cookies.get('memberd_session');
    const stale = new Client(s.url);
    stale.cookies.set('memberd_session', before);
    const newPassword = 'a different passphrase';
    assert.equal((await c.post(`${API}/me/password`, { current_password: PASSWORD, new_password: 'short' })).status, 422);
    const r = await c.post(`${API}/me/password`, { current_password: PASSWORD, new_password: newPassword });
    assert.equal(r.status, 204, r.text);
    const after = c.cookies.get('memberd_session');
    assert.ok(after && after !== before, 'a new session cookie');
    assert.equal((await c.get(`${API}/me`)).status, 200, 'this session goes on');
    assert.equal((await stale.get(`${API}/me`)).status, 401, 'its old token is dead');
    assert.equal((await other.get(`${API}/me`)).status, 401, 'the other session ended');
    assert.equal((await new Client(s.url).post(`${API}/auth/login`, { email: u.email, password: PASSWORD })).status, 401);
    await signIn(u.email, newPassword);
    assert.equal(auditCount(u.id, 'password_changed'), 1);
  });

  test('a wrong current password is 401 invalid_credentials and counts as a failed login', async () => {
    const [c, u] = await registerUser(s);
    for (let i = 0; i < MAX_FAILURES; i++) {
      const r = await c.post(`${API}/me/password`, { current_password: `wrong ${i} password`, new_password: 'whatever it is now' });
      assert.equal(r.status, 401, `attempt ${i + 1}`);
      assert.equal(r.json.error.code, 'invalid_credentials');
    }
    const blocked = await c.post(`${API}/me/password`, { current_password: PASSWORD, new_password: 'whatever it is now' });
    assert.equal(blocked.status, 429, 'even the right password waits');
    assert.equal(blocked.json.error.code, 'too_many_attempts');
    assert.ok(Number(blocked.headers.get('retry-after')) >= 1);
    const login = await new Client(s.url).post(`${API}/auth/login`, { email: u.email, password: PASSWORD });
    assert.equal(login.status, 429, 'the sign-in shares the counter');
    assert.equal(Number(s.sql(`SELECT count(*) FROM audit_log WHERE action = 'login_failed' AND actor_name = '${u.email}'`)[0][0]) >= MAX_FAILURES, true);
  });
});

describe('sessions', () => {
  test('each session says where it came from; list, end one, end all others', async () => {
    const [, u] = await registerUser(s);
    const a = await signIn(u.email, PASSWORD, { 'user-agent': 'Laptop Browser/1.0' });
    // a header carries bytes: the UTF-8 of "é" 400 times, as fetch sends it (latin1)
    const utf8 = (t) => Buffer.from(t, 'utf8').toString('latin1');
    const b = await signIn(u.email, PASSWORD, { 'user-agent': utf8('Phone Browser/2.0 ' + 'é'.repeat(400)) });
    const d = await signIn(u.email, PASSWORD, { 'user-agent': 'Tablet/3' });
    const list = await a.get(`${API}/me/sessions`);
    assert.equal(list.status, 200, list.text);
    const ss = list.json.sessions;
    assert.equal(ss.length, 4, 'registration and three sign-ins');
    assert.equal(ss[0].current, true, 'this one first');
    assert.equal(ss.filter((x) => x.current).length, 1);
    assert.equal(ss[0].user_agent, 'Laptop Browser/1.0');
    assert.equal(ss[0].ip, '127.0.0.1');
    assert.equal(ss[0].impersonated, false);
    const phone = ss.find((x) => x.user_agent?.startsWith('Phone'));
    assert.equal(phone.user_agent, 'Phone Browser/2.0 ' + 'é'.repeat(247), 'cut to 512 bytes on a character');

    const [, stranger] = await registerUser(s);
    const strangerSession = s.sql(`SELECT id FROM sessions WHERE user_id = ${stranger.id}`)[0][0];
    assert.equal((await a.del(`${API}/me/sessions/${strangerSession}`)).status, 404, 'not one of mine');
    assert.equal((await a.del(`${API}/me/sessions/999999999`)).status, 404);

    assert.equal((await a.del(`${API}/me/sessions/${phone.id}`)).status, 204);
    assert.equal((await b.get(`${API}/me`)).status, 401, 'that session is dead');
    assert.equal((await d.get(`${API}/me`)).status, 200);
    assert.equal((await a.get(`${API}/me/sessions`)).json.sessions.length, 3);

    assert.equal((await a.post(`${API}/me/sessions/revoke-others`)).status, 204);
    assert.equal((await d.get(`${API}/me`)).status, 401);
    const left = (await a.get(`${API}/me/sessions`)).json.sessions;
    assert.deepEqual(left.map((x) => x.current), [true]);

    // ending this very session signs out
    const me = left[0].id;
    const r = await a.del(`${API}/me/sessions/${me}`);
    assert.equal(r.status, 204);
    assert.equal((await a.get(`${API}/me`)).status, 401);
  });

  test('an administrator acting as the user may look, not change password, email or sessions', async () => {
    const [c, u] = await registerUser(s);
    const adminId = s.sql(`SELECT id FROM admins WHERE email = '${admin.email}'`)[0][0];
    s.sql(`UPDATE sessions SET impersonated_by = ${adminId} WHERE user_id = ${u.id}`);
    const list = await c.get(`${API}/me/sessions`);
    assert.equal(list.status, 200);
    assert.equal(list.json.sessions[0].impersonated, true);
    const attempts = [
      ['POST', '/me/password', { current_password: PASSWORD, new_password: 'an admin would like' }],
      ['POST', '/me/email', { email: uniqueEmail('admin-chosen'), current_password: PASSWORD }],
      ['POST', '/me/sessions/revoke-others', undefined],
      ['DELETE', `/me/sessions/${list.json.sessions[0].id}`, undefined],
    ];
    for (const [method, p, body] of attempts) {
      const r = await c.req(method, API + p, body);
      assert.equal(r.status, 403, `${method} ${p}`);
      assert.equal(r.json.error.code, 'impersonation_forbidden');
    }
    assert.equal((await c.get(`${API}/me`)).status, 200, 'the session lives on');
    assert.equal(Number(s.sql(`SELECT count(*) FROM login_failures WHERE login_key = 'user#${u.id}'`)[0][0]), 0,
      'refused before any password was tried');
  });
});
