// Two-factor authentication end to end (DESIGN §8.3), through nginx
// against real PostgreSQL and the SMTP catcher, the codes computed here
// as an authenticator app would (tests/lib/totp.mjs): setup, enable, the
// two-step login, wrong codes to the limit, a replayed code, recovery
// codes, regenerating them, disable; the same for administrators; an
// account's require_2fa; an administrator's reset; what a dump holds;
// memberd -t and the key.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { startStack } from '../lib/stack.mjs';
import {
  Client, PASSWORD, adminClient, pgDump, registerUser, uniqueEmail,
} from '../lib/client.mjs';
import { Authenticator, totp, stepOf } from '../lib/totp.mjs';

const API = '/api/v1';
let s;
let admin;
before(async () => {
  s = await startStack({ workers: 2 });
  admin = await adminClient(s);
});
after(async () => { await s?.stop(); });

const failures = (key) => Number(s.sql(`SELECT count(*) FROM login_failures WHERE login_key = '${key}'`)[0][0]);
const mailsTo = (email, subject = 'Two-Factor Authentication Changed') => s.mails()
  .filter((m) => m.raw.includes(`To: ${email}`) || m.raw.includes(`<${email}>`))
  .filter((m) => m.raw.includes(subject));

// A user with 2FA on: [client, user, authenticator, recovery codes]
async function userWith2fa() {
  const [c, u] = await registerUser(s);
  const setup = await c.post(`${API}/me/2fa/setup`, { password: PASSWORD });
  assert.equal(setup.status, 200, setup.text);
  const app = new Authenticator(setup.json.secret);
  const en = await c.post(`${API}/me/2fa/enable`, { code: await app.next() });
  assert.equal(en.status, 200, en.text);
  return [c, u, app, en.json.recovery_codes, setup.json.secret];
}

// The first step of a login: the challenge (no cookie set).
async function challengeOf(email, c = new Client(s.url), prefix = '') {
  const r = await c.post(`${API}${prefix}/auth/login`, { email, password: PASSWORD });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.two_factor_required, true);
  assert.match(r.json.challenge, /^[A-Za-z0-9_-]{43}$/);
  assert.ok(Date.parse(r.json.expires_at) > Date.now());
  assert.deepEqual(c.lastSetCookies, [], 'no session before the second step');
  return r.json.challenge;
}

describe('setting it up', () => {
  test('setup needs the password; a wrong one is a failed login', async () => {
    const [c, u] = await registerUser(s);
    const bad = await c.post(`${API}/me/2fa/setup`, { password: 'not the password' });
    assert.equal(bad.status, 401);
    assert.equal(bad.json.error.code, 'invalid_credentials');
    assert.equal(failures(`user#${u.id}`), 1);
    const missing = await c.post(`${API}/me/2fa/setup`, {});
    assert.equal(missing.status, 422);
    assert.equal(missing.json.error.field, 'password');
  });

  test('setup gives a base32 secret, its otpauth URI and a QR SVG; nothing is on yet', async () => {
    const [c, u] = await registerUser(s);
    const r = await c.post(`${API}/me/2fa/setup`, { password: PASSWORD });
    assert.equal(r.status, 200, r.text);
    assert.match(r.json.secret, /^[A-Z2-7]{32}$/);
    const uri = new URL(r.json.otpauth_uri);
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.searchParams.get('secret'), r.json.secret);
    assert.equal(uri.searchParams.get('digits'), '6');
    assert.equal(uri.searchParams.get('period'), '30');
    assert.equal(uri.searchParams.get('algorithm'), 'SHA1');
    assert.ok(decodeURIComponent(uri.pathname).endsWith(`:${u.email}`));
    assert.match(r.json.qr_svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"[^>]*viewBox="0 0 \d+ \d+"/);
    assert.match(r.json.qr_svg, /<path fill="#000" d="M\d/);
    const [[sealed, on]] = s.sql(`SELECT totp_sealed, totp_enabled_at IS NOT NULL FROM users WHERE id = ${u.id}`);
    assert.equal(on, 'f');
    assert.ok(!sealed.includes(r.json.secret));
    // still one step: the login signs in at once
    const login = await new Client(s.url).post(`${API}/auth/login`, { email: u.email, password: PASSWORD });
    assert.equal(login.status, 200);
    assert.equal(login.json.user.two_factor, false);
  });

  test('enable takes a code of the app, answers ten recovery codes once, and mails the user', async () => {
    const [c, u] = await registerUser(s);
    const setup = await c.post(`${API}/me/2fa/setup`, { password: PASSWORD });
    const wrongDigits = String((Number(totp(setup.json.secret)) + 1) % 1e6).padStart(6, '0');
    const bad = await c.post(`${API}/me/2fa/enable`, { code: wrongDigits });
    assert.equal(bad.status, 401);
    assert.equal(bad.json.error.code, 'invalid_code');
    const app = new Authenticator(setup.json.secret);
    const r = await c.post(`${API}/me/2fa/enable`, { code: await app.next() });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.recovery_codes.length, 10);
    assert.equal(new Set(r.json.recovery_codes).size, 10);
    const me = await c.get(`${API}/me`);
    assert.equal(me.json.user.two_factor, true);
    const again = await c.post(`${API}/me/2fa/enable`, { code: await app.next() });
    assert.equal(again.status, 403, 'on already');
    const resetup = await c.post(`${API}/me/2fa/setup`, { password: PASSWORD });
    assert.equal(resetup.status, 403, 'a second setup would replace the live secret');
    const mail = await s.waitForMail((raw) => raw.includes(u.email) && raw.includes('Two-Factor Authentication Changed'));
    assert.match(mail.raw, /was turned on/);
    const audit = s.sql(`SELECT count(*) FROM audit_log WHERE action = 'two_factor_enabled' AND actor_id = ${u.id}`);
    assert.equal(audit[0][0], '1');
  });
});

describe('signing in in two steps', () => {
  test('the password gives a challenge and no session; the code gives the session', async () => {
    const [, u, app] = await userWith2fa();
    const c = new Client(s.url);
    const challenge = await challengeOf(u.email, c);
    assert.equal((await c.get(`${API}/me`)).status, 401);
    const wrong = await c.post(`${API}/auth/login/2fa`, { challenge, code: '000000' === app.replay() ? '111111' : '000000' });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.json.error.code, 'invalid_code');
    const r = await c.post(`${API}/auth/login/2fa`, { challenge, code: await app.next() });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.user.id, u.id);
    assert.ok(c.lastSetCookies.some((x) => x.startsWith('memberd_session=')));
    assert.equal((await c.get(`${API}/me`)).status, 200);
    // the challenge is used up
    const reuse = await c.post(`${API}/auth/login/2fa`, { challenge, code: await app.next() });
    assert.equal(reuse.status, 401);
    assert.equal(reuse.json.error.field, 'challenge');
  });

  test('the session of the second step records the IP address and user agent, for users and administrators', async () => {
    const ua = 'twofactor-test/1.0 (session)';
    const [, u, app] = await userWith2fa();
    const c = new Client(s.url);
    const challenge = await challengeOf(u.email, c);
    const r = await c.post(`${API}/auth/login/2fa`, { challenge, code: await app.next() }, { headers: { 'User-Agent': ua } });
    assert.equal(r.status, 200, r.text);
    const list = await c.get(`${API}/me/sessions`);
    assert.equal(list.status, 200, list.text);
    const mine = list.json.sessions.find((x) => x.current);
    assert.ok(mine, list.text);
    assert.equal(mine.user_agent, ua);
    assert.equal(mine.ip, '127.0.0.1');

    const a = await adminClient(s, uniqueEmail('admin2fa-ua'), 'Una Agent');
    const setup = await a.post(`${API}/admin/me/2fa/setup`, { password: PASSWORD });
    const aapp = new Authenticator(setup.json.secret);
    assert.equal((await a.post(`${API}/admin/me/2fa/enable`, { code: await aapp.next() })).status, 200);
    const ac = new Client(s.url);
    const ach = await challengeOf(a.email, ac, '/admin');
    const ar = await ac.post(`${API}/admin/auth/login/2fa`, { challenge: ach, code: await aapp.next() }, { headers: { 'User-Agent': ua } });
    assert.equal(ar.status, 200, ar.text);
    const rows = s.sql(`SELECT s.ip, s.user_agent FROM sessions s JOIN admins x ON x.id = s.admin_id
      WHERE x.email = '${a.email}' ORDER BY s.id DESC LIMIT 1`);
    assert.deepEqual(rows[0], ['127.0.0.1', ua]);
  });

  test('a code is accepted once: a replay within its window is refused', async () => {
    const [, u, app] = await userWith2fa();
    const first = await new Client(s.url).post(`${API}/auth/login/2fa`, {
      challenge: await challengeOf(u.email), code: await app.next(),
    });
    assert.equal(first.status, 200);
    const replay = await new Client(s.url).post(`${API}/auth/login/2fa`, {
      challenge: await challengeOf(u.email), code: app.replay(),
    });
    assert.equal(replay.status, 401);
    assert.equal(replay.json.error.code, 'invalid_code');
  });

  test('five wrong codes kill the challenge and count as a failed login', async () => {
    const [, u, app] = await userWith2fa();
    assert.equal(failures(`user#${u.id}`), 0);
    const challenge = await challengeOf(u.email);
    // counted from the password step on, until the code is right
    assert.equal(failures(`user#${u.id}`), 1);
    const good = totp(app.secret, stepOf());
    const wrong = good === '123456' ? '654321' : '123456';
    for (let i = 1; i <= 5; i++) {
      const r = await new Client(s.url).post(`${API}/auth/login/2fa`, { challenge, code: wrong });
      assert.equal(r.status, 401, `wrong code ${i}`);
      assert.equal(r.json.error.code, 'invalid_code');
    }
    assert.equal(failures(`user#${u.id}`), 1, 'the dead challenge stays a failed login');
    const dead = await new Client(s.url).post(`${API}/auth/login/2fa`, { challenge, code: await app.next() });
    assert.equal(dead.status, 401);
    assert.equal(dead.json.error.field, 'challenge');
    // a new login goes through, and forgives the failure
    const ok = await new Client(s.url).post(`${API}/auth/login/2fa`, { challenge: await challengeOf(u.email), code: await app.next() });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(failures(`user#${u.id}`), 0);
  });

  test('the right password alone does not wipe earlier failures', async () => {
    const [, u] = await userWith2fa();
    const bad = await new Client(s.url).post(`${API}/auth/login`, { email: u.email, password: 'wrong password!' });
    assert.equal(bad.status, 401);
    await challengeOf(u.email);
    assert.equal(failures(`user#${u.id}`), 2, 'the wrong password and the pending second step');
  });

  test('a recovery code signs in once', async () => {
    const [, u, , codes] = await userWith2fa();
    const r = await new Client(s.url).post(`${API}/auth/login/2fa`, {
      challenge: await challengeOf(u.email), recovery_code: codes[3].toUpperCase(),
    });
    assert.equal(r.status, 200, r.text);
    const twice = await new Client(s.url).post(`${API}/auth/login/2fa`, {
      challenge: await challengeOf(u.email), recovery_code: codes[3],
    });
    assert.equal(twice.status, 401);
    assert.equal(twice.json.error.code, 'invalid_code');
    const both = await new Client(s.url).post(`${API}/auth/login/2fa`, {
      challenge: await challengeOf(u.email), code: '123456', recovery_code: codes[4],
    });
    assert.equal(both.status, 422);
  });

  test('regenerating the recovery codes kills the old set', async () => {
    const [c, u, app, old] = await userWith2fa();
    const bad = await c.post(`${API}/me/2fa/recovery-codes`, { code: app.replay() });
    assert.equal(bad.status, 401);
    const r = await c.post(`${API}/me/2fa/recovery-codes`, { code: await app.next() });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.recovery_codes.length, 10);
    assert.ok(!r.json.recovery_codes.includes(old[0]));
    const dead = await new Client(s.url).post(`${API}/auth/login/2fa`, {
      challenge: await challengeOf(u.email), recovery_code: old[0],
    });
    assert.equal(dead.status, 401);
    const fresh = await new Client(s.url).post(`${API}/auth/login/2fa`, {
      challenge: await challengeOf(u.email), recovery_code: r.json.recovery_codes[0],
    });
    assert.equal(fresh.status, 200);
  });

  test('a user challenge is not an administrator challenge', async () => {
    const [, u, app] = await userWith2fa();
    const r = await new Client(s.url).post(`${API}/admin/auth/login/2fa`, {
      challenge: await challengeOf(u.email), code: await app.next(),
    });
    assert.equal(r.status, 401);
    assert.equal(r.json.error.field, 'challenge');
  });
});

describe('turning it off', () => {
  test('disable needs the password and a code; then login is one step again, and the user is told', async () => {
    const [c, u, app, codes] = await userWith2fa();
    const noCode = await c.post(`${API}/me/2fa/disable`, { password: PASSWORD });
    assert.equal(noCode.status, 422);
    const badPw = await c.post(`${API}/me/2fa/disable`, { password: 'wrong password!', code: await app.next() });
    assert.equal(badPw.status, 401);
    assert.equal(badPw.json.error.code, 'invalid_credentials');
    const badCode = await c.post(`${API}/me/2fa/disable`, { password: PASSWORD, recovery_code: 'aaaa-bbbb-cccc-dddd' });
    assert.equal(badCode.status, 401);
    assert.equal(badCode.json.error.code, 'invalid_code');
    const r = await c.post(`${API}/me/2fa/disable`, { password: PASSWORD, recovery_code: codes[0] });
    assert.equal(r.status, 204, r.text);
    const [[sealed, left]] = s.sql(`SELECT totp_sealed IS NULL, (SELECT count(*) FROM recovery_codes WHERE user_id = ${u.id}) FROM users WHERE id = ${u.id}`);
    assert.deepEqual([sealed, left], ['t', '0']);
    const login = await new Client(s.url).post(`${API}/auth/login`, { email: u.email, password: PASSWORD });
    assert.equal(login.status, 200);
    assert.equal(login.json.user.two_factor, false);
    await s.waitForMail((raw) => raw.includes(u.email) && raw.includes('was turned off'));
  });

  test('inside a session opened by an administrator, 2FA cannot be touched', async () => {
    const [c, u] = await registerUser(s);
    const [[adminId]] = s.sql(`SELECT id FROM admins WHERE email = '${admin.email}'`);
    s.sql(`UPDATE sessions SET impersonated_by = ${adminId} WHERE user_id = ${u.id}`);
    for (const [p, b] of [['setup', { password: PASSWORD }], ['enable', { code: '123456' }],
      ['disable', { password: PASSWORD, code: '123456' }], ['recovery-codes', { code: '123456' }]]) {
      const r = await c.post(`${API}/me/2fa/${p}`, b);
      assert.equal(r.status, 403, p);
      assert.equal(r.json.error.code, 'impersonation_forbidden', p);
    }
  });
});

describe('administrators', () => {
  test('an administrator sets up 2FA and signs in in two steps', async () => {
    const a = await adminClient(s, uniqueEmail('admin2fa'), 'Tess Two');
    const setup = await a.post(`${API}/admin/me/2fa/setup`, { password: PASSWORD });
    assert.equal(setup.status, 200, setup.text);
    const app = new Authenticator(setup.json.secret);
    const en = await a.post(`${API}/admin/me/2fa/enable`, { code: await app.next() });
    assert.equal(en.status, 200, en.text);
    assert.equal((await a.get(`${API}/admin/me`)).json.admin.two_factor, true);
    const c = new Client(s.url);
    const challenge = await challengeOf(a.email, c, '/admin');
    assert.equal((await c.get(`${API}/admin/me`)).status, 401);
    const wrong = await c.post(`${API}/admin/auth/login/2fa`, { challenge, code: app.replay() });
    assert.equal(wrong.status, 401, 'the enable code is used');
    const r = await c.post(`${API}/admin/auth/login/2fa`, { challenge, code: await app.next() });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.admin.email, a.email);
    assert.ok(c.lastSetCookies.some((x) => x.startsWith('memberd_admin=')));
    const rc = await c.post(`${API}/admin/me/2fa/recovery-codes`, { code: await app.next() });
    assert.equal(rc.status, 200);
    const off = await c.post(`${API}/admin/me/2fa/disable`, { password: PASSWORD, recovery_code: rc.json.recovery_codes[9] });
    assert.equal(off.status, 204, off.text);
    const again = await new Client(s.url).post(`${API}/admin/auth/login`, { email: a.email, password: PASSWORD });
    assert.equal(again.status, 200);
    assert.equal(again.json.admin.two_factor, false);
  });

  test('an administrator resets a user\'s 2FA: off, codes gone, the user told, audited', async () => {
    const owner = (await registerUser(s))[1];
    const acct = await admin.post(`${API}/admin/clients`, {
      company_name: 'Reset Co', first_name: 'R', last_name: 'S', owner: { user_id: owner.id },
    });
    const [c, u] = await userWith2fa();
    const assoc = await admin.post(`${API}/admin/clients/${acct.json.client.id}/users`, {
      user_id: u.id, permissions: ['tickets'], send_invite: false,
    });
    assert.equal(assoc.status, 201, assoc.text);
    const r = await admin.post(`${API}/admin/users/${u.id}/2fa/reset`);
    assert.equal(r.status, 204, r.text);
    const [[on, codes]] = s.sql(`SELECT totp_enabled_at IS NOT NULL, (SELECT count(*) FROM recovery_codes WHERE user_id = ${u.id}) FROM users WHERE id = ${u.id}`);
    assert.deepEqual([on, codes], ['f', '0']);
    const mail = await s.waitForMail((raw) => raw.includes(u.email) && raw.includes('turned off by an administrator'));
    assert.match(mail.raw, /Subject: Two-Factor Authentication Changed/);
    const audit = s.sql(`SELECT actor_kind, client_id FROM audit_log WHERE action = 'two_factor_reset' AND details->>'user_id' = '${u.id}'`);
    assert.deepEqual(audit, [['admin', String(acct.json.client.id)]]);
    const login = await new Client(s.url).post(`${API}/auth/login`, { email: u.email, password: PASSWORD });
    assert.equal(login.status, 200);
    assert.equal((await c.get(`${API}/me`)).json.user.two_factor, false);
    const none = await admin.post(`${API}/admin/users/999999999/2fa/reset`);
    assert.equal(none.status, 404);
  });
});

describe('an account that requires 2FA', () => {
  test('blocks members without it from making it active and from accepting its invitations, then admits them', async () => {
    const [oc, owner] = await registerUser(s);
    const acct = (await admin.post(`${API}/admin/clients`, {
      company_name: 'Strict Co', first_name: 'S', last_name: 'C', owner: { user_id: owner.id },
    })).json.client;
    const [mc, member] = await registerUser(s);
    await admin.post(`${API}/admin/clients/${acct.id}/users`, { user_id: member.id, permissions: ['users', 'tickets'], send_invite: false });

    await oc.post(`${API}/me/active-account`, { client_id: acct.id });
    assert.deepEqual((await oc.get(`${API}/account/settings`)).json, { require_2fa: false });
    const on = await oc.patch(`${API}/account/settings`, { require_2fa: true });
    assert.equal(on.status, 200, on.text);
    assert.deepEqual(on.json, { settings: { require_2fa: true } });
    assert.equal(s.sql(`SELECT count(*) FROM audit_log WHERE action = 'account_settings_changed' AND client_id = ${acct.id}`)[0][0], '1');

    // the member, without 2FA
    const login = await mc.post(`${API}/auth/login`, { email: member.email, password: PASSWORD });
    assert.equal(login.json.accounts.find((a) => a.client_id === acct.id).require_2fa, true);
    assert.equal((await mc.get(`${API}/me`)).json.active_client_id, null, 'login does not choose it');
    const blocked = await mc.post(`${API}/me/active-account`, { client_id: acct.id });
    assert.equal(blocked.status, 403);
    assert.equal(blocked.json.error.code, 'two_factor_required');
    // the owner (without 2FA too) is refused the same way
    const ownerBlocked = await oc.post(`${API}/me/active-account`, { client_id: acct.id });
    assert.equal(ownerBlocked.json.error.code, 'two_factor_required');

    // the member sets up 2FA and is admitted
    const setup = await mc.post(`${API}/me/2fa/setup`, { password: PASSWORD });
    const app = new Authenticator(setup.json.secret);
    await mc.post(`${API}/me/2fa/enable`, { code: await app.next() });
    const admitted = await mc.post(`${API}/me/active-account`, { client_id: acct.id });
    assert.equal(admitted.status, 200, admitted.text);
    const users = await mc.get(`${API}/account/users`);
    const byId = Object.fromEntries(users.json.users.map((m) => [m.user_id, m.two_factor]));
    assert.deepEqual(byId, { [owner.id]: false, [member.id]: true }, 'owners see who lacks 2FA');
    // a member holding "users" may read the settings, not change them
    assert.equal((await mc.get(`${API}/account/settings`)).status, 200);
    const notOwner = await mc.patch(`${API}/account/settings`, { require_2fa: false });
    assert.equal(notOwner.status, 403);
    assert.equal(notOwner.json.error.code, 'forbidden');
  });

  test('an invitation to it is refused to a user without 2FA and accepted once they have it', async () => {
    const [oc, owner] = await registerUser(s);
    const acct = (await admin.post(`${API}/admin/clients`, {
      company_name: 'Strict Invites', first_name: 'S', last_name: 'I', owner: { user_id: owner.id },
    })).json.client;
    await oc.post(`${API}/me/active-account`, { client_id: acct.id });
    // invite first, then require: the invitation exists before the rule
    const email = uniqueEmail('invitee');
    const inv = await oc.post(`${API}/account/invites`, { email, permissions: ['tickets'] });
    assert.equal(inv.status, 201, inv.text);
    await oc.patch(`${API}/account/settings`, { require_2fa: true });
    const mail = await s.waitForMail((raw) => raw.includes(email) && raw.includes('Account Access Invitation'));
    const unfolded = mail.raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
    const token = unfolded.match(/\/invite#([A-Za-z0-9_-]{43})/)[1];

    const reg = await new Client(s.url).post(`${API}/invites/accept`, {
      token, register: { email, password: PASSWORD, first_name: 'I', last_name: 'N' },
    });
    assert.equal(reg.status, 403);
    assert.equal(reg.json.error.code, 'two_factor_required');
    const [ic] = await registerUser(s, { email });
    const refused = await ic.post(`${API}/invites/accept`, { token });
    assert.equal(refused.status, 403);
    assert.equal(refused.json.error.code, 'two_factor_required');
    const setup = await ic.post(`${API}/me/2fa/setup`, { password: PASSWORD });
    await ic.post(`${API}/me/2fa/enable`, { code: await new Authenticator(setup.json.secret).next() });
    const ok = await ic.post(`${API}/invites/accept`, { token });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.json.client_id, acct.id);
  });
});

describe('secrets at rest', () => {
  test('a dump of the database holds no TOTP secret and no recovery code', async () => {
    const [, , , codes, secret] = await userWith2fa();
    const dump = pgDump(s);
    assert.ok(dump.includes('recovery_codes'), 'the dump is of this database');
    assert.ok(!dump.includes(secret), 'the base32 secret');
    assert.ok(!dump.toLowerCase().includes(secret.toLowerCase()));
    for (const code of codes) {
      assert.ok(!dump.includes(code), code);
      assert.ok(!dump.includes(code.replace(/-/g, '')), code);
    }
  });

  test('memberd -t refuses a missing key while 2FA is in use, and a short key', async () => {
    await userWith2fa();
    const conf = fs.readFileSync(s.confPath, 'utf8');
    const dir = fs.mkdtempSync(path.join(s.dir, 'conf-'));
    const t = (text) => {
      const p = path.join(dir, 'memberd.conf');
      fs.writeFileSync(p, text);
      const env = { ...s.env };
      delete env.CREDENTIALS_DIRECTORY;
      return spawnSync(path.join(s.bin, 'memberd'), ['-t', '-c', p], { env, encoding: 'utf8' });
    };
    const ok = t(conf);
    assert.equal(ok.status, 0, ok.stderr);
    const noKey = t(conf.replace(/^secret_key_file\s*=.*$/m, ''));
    assert.equal(noKey.status, 1, noKey.stdout);
    assert.match(noKey.stderr, /two-factor authentication is in use/);
    const short = path.join(dir, 'short.key');
    fs.writeFileSync(short, 'abcdef0123456789\n');
    const shortKey = t(conf.replace(/^secret_key_file\s*=.*$/m, `secret_key_file = ${short}`));
    assert.equal(shortKey.status, 1);
    assert.match(shortKey.stderr, /secret_key|32/);
  });
});
