// Identity end to end, through nginx against real PostgreSQL: users,
// sessions, CSRF, client accounts, administrators, password reset, audit.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, sleep, waitFor } from '../lib/stack.mjs';
import {
  Client, PASSWORD, adminClient, linkFrom, pgDump, registerUser, uniqueEmail,
} from '../lib/client.mjs';

let s;
let admin;
before(async () => {
  s = await startStack({ workers: 2, conf: 'login_failure_window = 6s' });
  admin = await adminClient(s);
});
after(async () => { await s?.stop(); });

const API = '/api/v1';

async function newClientAccount(ownerId, fields = {}) {
  const r = await admin.post(`${API}/admin/clients`, {
    company_name: 'Acme ' + uniqueEmail('co'), first_name: 'Ann', last_name: 'Lee',
    owner: { user_id: ownerId }, ...fields,
  });
  assert.equal(r.status, 201, r.text);
  return r.json.client;
}

describe('users', () => {
  test('register answers 201, logs in and sets a safe session cookie', async () => {
    const c = new Client(s.url);
    const email = uniqueEmail();
    const r = await c.post(`${API}/auth/register`, { email, password: PASSWORD, first_name: 'Zoë', last_name: 'Ångström' });
    assert.equal(r.status, 201);
    assert.equal(r.json.user.email, email);
    assert.equal(r.json.user.first_name, 'Zoë');
    assert.equal(r.json.user.email_verified, false);
    assert.deepEqual(r.json.accounts, []);
    assert.match(r.json.csrf_token, /^[A-Za-z0-9_-]{43}$/);
    const cookie = c.lastSetCookies.find((x) => x.startsWith('memberd_session='));
    assert.ok(cookie);
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Lax/);
    assert.match(cookie, /; Path=\//);
    assert.doesNotMatch(cookie, /Secure/, 'this stack says plain_http = true');
    const me = await c.get(`${API}/me`);
    assert.equal(me.status, 200);
    assert.equal(me.json.user.id, r.json.user.id);
    assert.equal(me.json.active_client_id, null);
    assert.equal(me.json.csrf_token, r.json.csrf_token);
  });

  test('emails are one user whatever their case, and are trimmed', async () => {
    const local = uniqueEmail('Case').split('@')[0];
    const [, u] = await registerUser(s, { email: `  ${local}@Example.COM ` });
    assert.equal(u.email, `${local}@Example.COM`);
    const again = await new Client(s.url).post(`${API}/auth/register`, {
      email: `${local.toLowerCase()}@example.com`, password: PASSWORD, first_name: 'A', last_name: 'B',
    });
    assert.equal(again.status, 409);
    assert.equal(again.json.error.code, 'email_taken');
    const login = await new Client(s.url).post(`${API}/auth/login`, { email: `${local.toUpperCase()}@EXAMPLE.com`, password: PASSWORD });
    assert.equal(login.status, 200);
    assert.equal(login.json.user.id, u.id);
  });

  test('malformed emails are 422 invalid_input on field email', async () => {
    const bad = ['a@b.c\r\nBcc: x@y.z', 'ann\n@example.com', 'ann@exam\u0001ple.com', 'no-at-sign',
      'ann@', '@example.com', 'ann@localhost', `${'a'.repeat(250)}@example.com`, '', 42, null];
    for (const email of bad) {
      const r = await new Client(s.url).post(`${API}/auth/register`, { email, password: PASSWORD, first_name: 'A', last_name: 'B' });
      assert.equal(r.status, 422, JSON.stringify(email));
      assert.equal(r.json.error.code, 'invalid_input');
      assert.equal(r.json.error.field, 'email', JSON.stringify(email));
    }
  });

  test('names are 1 to 100 characters without control characters', async () => {
    for (const [first_name, ok] of [['', false], ['   ', false], ['a\nb', false], ['x'.repeat(101), false],
      ['é'.repeat(100), true], ['Robert\'); DROP TABLE users;--', true]]) {
      const r = await new Client(s.url).post(`${API}/auth/register`, {
        email: uniqueEmail(), password: PASSWORD, first_name, last_name: 'B',
      });
      if (ok) {
        assert.equal(r.status, 201, first_name);
        assert.equal(r.json.user.first_name, first_name, 'stored verbatim');
      } else {
        assert.equal(r.status, 422, JSON.stringify(first_name));
        assert.equal(r.json.error.field, 'first_name');
      }
    }
  });

  test('passwords are 10 characters to 1024 bytes', async () => {
    for (const [password, ok] of [['123456789', false], ['1234567890', true], ['x'.repeat(1024), true], ['x'.repeat(1025), false]]) {
      const r = await new Client(s.url).post(`${API}/auth/register`, {
        email: uniqueEmail(), password, first_name: 'A', last_name: 'B',
      });
      assert.equal(r.status, ok ? 201 : 422, `length ${password.length}`);
      if (!ok) assert.equal(r.json.error.field, 'password');
    }
  });

  test('SQL metacharacters and 10,000-character strings are refused or stored verbatim, never a 500', async () => {
    const nasty = ["'; DROP TABLE users; --", '" OR 1=1 --', '%_\\', '$1', 'x'.repeat(10000),
      '<script>alert(1)</script>', 'ünïcödé ✓', '\u202e', '{"a":1}'];
    const attempts = [];
    for (const v of nasty) {
      attempts.push(['POST', '/auth/register', { email: v, password: PASSWORD, first_name: 'A', last_name: 'B' }]);
      attempts.push(['POST', '/auth/register', { email: uniqueEmail(), password: v, first_name: v, last_name: v }]);
      attempts.push(['POST', '/auth/login', { email: v, password: v }]);
      attempts.push(['POST', '/auth/password-reset', { email: v }]);
      attempts.push(['POST', '/auth/password-reset/confirm', { token: v, password: v }]);
      attempts.push(['POST', '/admin/auth/login', { email: v, password: v }]);
    }
    for (const [method, path, body] of attempts) {
      const r = await new Client(s.url).req(method, API + path, body);
      assert.ok(r.status < 500, `${path} ${JSON.stringify(body).slice(0, 80)} -> ${r.status}`);
      if (path === '/auth/register' && r.status === 201) {
        assert.equal(r.json.user.first_name, body.first_name);
      }
    }
    for (const v of nasty) {
      for (const q of [`/admin/users?search=${encodeURIComponent(v)}`, `/admin/clients?search=${encodeURIComponent(v)}`]) {
        const r = await admin.get(API + q);
        // nginx itself answers 414 to a URI longer than its header buffers
        assert.ok([200, 414, 422].includes(r.status), `${q.slice(0, 60)} -> ${r.status}`);
      }
      const r = await admin.post(`${API}/admin/clients`, { company_name: v, first_name: v, last_name: v, owner: { email: v } });
      assert.ok(r.status < 500, `create client ${v.slice(0, 30)} -> ${r.status}`);
    }
    assert.equal(s.sql('SELECT count(*) FROM users')[0][0] > 0, true, 'users table still there');
  });
});

describe('login', () => {
  test('an unknown email and a wrong password get the same 401 for the same hash work', async () => {
    const fs = await import('node:fs');
    const [, u] = await registerUser(s);
    // CPU time the workers spent (user + system, in clock ticks): the work
    // done, whatever else the machine is doing at the time.
    const cpu = () => s.workerPids().reduce((sum, pid) => {
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return sum + Number(f[11]) + Number(f[12]);
    }, 0);
    const work = async (body, n = 6) => {
      const before = cpu();
      const answers = [];
      for (let i = 0; i < n; i++) answers.push(await new Client(s.url).post(`${API}/auth/login`, body));
      return [answers, cpu() - before];
    };
    const [wrong, wrongCpu] = await work({ email: u.email, password: 'not the password' });
    const [unknown, unknownCpu] = await work({ email: uniqueEmail('ghost'), password: 'not the password' });
    const [, noHashCpu] = await work({ email: 'not an email', password: 'x' });
    for (const r of [...wrong, ...unknown]) {
      assert.equal(r.status, 401);
      assert.deepEqual(r.json, wrong[0].json);
      assert.equal(r.json.error.code, 'invalid_credentials');
    }
    assert.ok(wrongCpu >= 10, `six Argon2id checks cost CPU (${wrongCpu} ticks)`);
    assert.ok(unknownCpu >= wrongCpu * 0.6, `unknown email ${unknownCpu} ticks vs wrong password ${wrongCpu}`);
    assert.ok(noHashCpu < wrongCpu / 3, `a refused input does no hashing (${noHashCpu} ticks)`);
  });

  test('each login starts a new session; both stay valid until logout', async () => {
    const [, u] = await registerUser(s);
    const a = new Client(s.url); const b = new Client(s.url);
    assert.equal((await a.post(`${API}/auth/login`, { email: u.email, password: PASSWORD })).status, 200);
    assert.equal((await b.post(`${API}/auth/login`, { email: u.email, password: PASSWORD })).status, 200);
    assert.notEqual(a.cookies.get('memberd_session'), b.cookies.get('memberd_session'));
    assert.notEqual(a.csrf, b.csrf);
    const stolen = a.cookies.get('memberd_session');
    const out = await a.post(`${API}/auth/logout`);
    assert.equal(out.status, 204);
    assert.ok(a.lastSetCookies.some((x) => /^memberd_session=;.*Max-Age=0/.test(x)));
    const replay = new Client(s.url);
    replay.cookies.set('memberd_session', stolen);
    const me = await replay.get(`${API}/me`);
    assert.equal(me.status, 401, 'the session is dead server-side');
    assert.equal(me.json.error.code, 'not_authenticated');
    assert.equal((await b.get(`${API}/me`)).status, 200);
  });

  test('a login that comes with a session cookie replaces that session', async () => {
    const [c, u] = await registerUser(s);
    const before = c.cookies.get('memberd_session');
    assert.equal((await c.post(`${API}/auth/login`, { email: u.email, password: PASSWORD })).status, 200);
    assert.notEqual(c.cookies.get('memberd_session'), before);
    assert.equal((await c.get(`${API}/me`)).status, 200);
    const old = new Client(s.url);
    old.cookies.set('memberd_session', before);
    assert.equal((await old.get(`${API}/me`)).status, 401, 'the old session ended');
    const other = new Client(s.url);
    assert.equal((await other.post(`${API}/auth/login`, { email: u.email, password: PASSWORD })).status, 200);
    assert.equal((await c.get(`${API}/me`)).status, 200, 'a login elsewhere ends nothing');
  });

  test('after 10 failures in the window: 429 with Retry-After, even for the right password, until the window passes', async () => {
    const [, u] = await registerUser(s);
    for (let i = 0; i < 10; i++) {
      const r = await new Client(s.url).post(`${API}/auth/login`, { email: u.email, password: 'wrong password ' + i });
      assert.equal(r.status, 401);
    }
    const blocked = await new Client(s.url).post(`${API}/auth/login`, { email: u.email.toUpperCase(), password: PASSWORD });
    assert.equal(blocked.status, 429);
    assert.equal(blocked.json.error.code, 'too_many_attempts');
    const retry = Number(blocked.headers.get('retry-after'));
    assert.ok(retry >= 1 && retry <= 6, `Retry-After ${retry}`);
    await sleep((retry + 0.5) * 1000);
    const ok = await new Client(s.url).post(`${API}/auth/login`, { email: u.email, password: PASSWORD });
    assert.equal(ok.status, 200);
  });

  test('guesses sent in parallel get no more than 10 tries between them', async () => {
    const [, u] = await registerUser(s);
    const answers = await Promise.all(Array.from({ length: 24 }, (_, i) =>
      new Client(s.url).post(`${API}/auth/login`, { email: u.email, password: 'parallel guess ' + i })));
    const count = (st) => answers.filter((r) => r.status === st).length;
    assert.equal(count(401), 10);
    assert.equal(count(429), 14);
  });

  test('an expired or idle session is refused with 401 not_authenticated', async () => {
    const [c, u] = await registerUser(s);
    assert.equal((await c.get(`${API}/me`)).status, 200);
    s.sql(`UPDATE sessions SET last_seen_at = now() - interval '2 hours 1 minute' WHERE user_id = ${u.id}`);
    const idle = await c.get(`${API}/me`);
    assert.equal(idle.status, 401);
    assert.equal(idle.json.error.code, 'not_authenticated');

    const [c2, u2] = await registerUser(s);
    s.sql(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE user_id = ${u2.id}`);
    assert.equal((await c2.get(`${API}/me`)).status, 401);
  });

  test('a cookie-authenticated POST without or with a wrong X-CSRF-Token is 403 csrf_failed', async () => {
    const [c, u] = await registerUser(s);
    const client = await newClientAccount(u.id);
    for (const headers of [{}, { 'x-csrf-token': 'forged' }]) {
      const r = await c.post(`${API}/me/active-account`, { client_id: client.id }, { csrf: false, headers });
      assert.equal(r.status, 403);
      assert.equal(r.json.error.code, 'csrf_failed');
      const out = await c.post(`${API}/auth/logout`, undefined, { csrf: false, headers });
      assert.equal(out.status, 403);
    }
    const adminNoCsrf = await admin.post(`${API}/admin/clients`, { first_name: 'A', last_name: 'B', owner: { user_id: u.id } }, { csrf: false });
    assert.equal(adminNoCsrf.status, 403);
    assert.equal(adminNoCsrf.json.error.code, 'csrf_failed');
    assert.equal((await c.get(`${API}/me`)).status, 200, 'still signed in');
  });

  test('a password hash made with other parameters is replaced at the next login', async () => {
    const [, u] = await registerUser(s);
    const before = s.sql(`SELECT password_hash FROM users WHERE id = ${u.id}`)[0][0];
    assert.match(before, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    const fs = await import('node:fs');
    const original = fs.readFileSync(s.confPath, 'utf8');
    try {
      fs.writeFileSync(s.confPath, original + '\nargon2_iterations = 3\n');
      const old = s.workerPids();
      process.kill(s.memberdPid(), 'SIGHUP');
      await waitFor('new workers', () => s.workerPids().length === 2 && !s.workerPids().some((p) => old.includes(p)));
      const r = await new Client(s.url).post(`${API}/auth/login`, { email: u.email, password: PASSWORD });
      assert.equal(r.status, 200);
      const afterHash = s.sql(`SELECT password_hash FROM users WHERE id = ${u.id}`)[0][0];
      assert.match(afterHash, /^\$argon2id\$v=19\$m=19456,t=3,p=1\$/);
      assert.equal((await new Client(s.url).post(`${API}/auth/login`, { email: u.email, password: PASSWORD })).status, 200);
    } finally {
      fs.writeFileSync(s.confPath, original);
      const old = s.workerPids();
      process.kill(s.memberdPid(), 'SIGHUP');
      await waitFor('workers back', () => s.workerPids().length === 2 && !s.workerPids().some((p) => old.includes(p)));
    }
  });
});

describe('accounts', () => {
  test('the owner is a member with every permission; /me lists accounts, closed ones too', async () => {
    const [c, u] = await registerUser(s);
    const open = await newClientAccount(u.id, { company_name: 'Open Co' });
    const closed = await newClientAccount(u.id, { company_name: 'Closed Co', status: 'closed' });
    assert.equal(open.owner_user_id, u.id);
    assert.equal(open.status, 'active');
    const me = await c.get(`${API}/me`);
    const byId = Object.fromEntries(me.json.accounts.map((a) => [a.client_id, a]));
    assert.equal(byId[open.id].is_owner, true);
    assert.equal(byId[open.id].permissions.length, 14);
    assert.equal(byId[closed.id].status, 'closed');

    const ok = await c.post(`${API}/me/active-account`, { client_id: open.id });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.active_client_id, open.id);
    assert.equal((await c.get(`${API}/me`)).json.active_client_id, open.id);

    const no = await c.post(`${API}/me/active-account`, { client_id: closed.id });
    assert.equal(no.status, 403);
    assert.equal((await c.get(`${API}/me`)).json.active_client_id, open.id);
  });

  test('a user cannot make active an account they do not belong to (403) or that does not exist (404)', async () => {
    const [, owner] = await registerUser(s);
    const other = await newClientAccount(owner.id);
    const [c] = await registerUser(s);
    const r = await c.post(`${API}/me/active-account`, { client_id: other.id });
    assert.equal(r.status, 403);
    assert.equal(r.json.error.code, 'forbidden');
    const n = await c.post(`${API}/me/active-account`, { client_id: 99999999 });
    assert.equal(n.status, 404);
    assert.equal(n.json.error.code, 'not_found');
    const bad = await c.post(`${API}/me/active-account`, { client_id: 'one' });
    assert.equal(bad.status, 422);
  });

  test('a login makes the first open account active', async () => {
    const [, u] = await registerUser(s);
    const acct = await newClientAccount(u.id);
    const c = new Client(s.url);
    const r = await c.post(`${API}/auth/login`, { email: u.email, password: PASSWORD });
    assert.equal(r.json.accounts[0].client_id, acct.id);
    assert.equal((await c.get(`${API}/me`)).json.active_client_id, acct.id);
  });
});

describe('administrators', () => {
  test('admin and user sessions are separate worlds', async () => {
    const [c] = await registerUser(s);
    assert.equal((await c.get(`${API}/admin/me`)).status, 401);
    assert.equal((await admin.get(`${API}/me`)).status, 401);
    const me = await admin.get(`${API}/admin/me`);
    assert.equal(me.status, 200);
    assert.equal(me.json.admin.email, admin.email);
    assert.equal(me.json.admin.name, 'Ada Admin');
    const cookie = admin.lastSetCookies.length ? admin.lastSetCookies : [];
    assert.ok(Array.isArray(cookie));
  });

  test('memberctl admin add reads the password from stdin and refuses a short one', async () => {
    const email = uniqueEmail('adm');
    const short = s.memberctl(['admin', 'add', email], { input: 'short\n' });
    assert.equal(short.status, 1);
    assert.match(short.stderr, /10 characters/);
    const ok = s.memberctl(['admin', 'add', email], { input: `${PASSWORD}\n` });
    assert.equal(ok.status, 0, ok.stderr);
    const dup = s.memberctl(['admin', 'add', email.toUpperCase()], { input: `${PASSWORD}\n` });
    assert.equal(dup.status, 1);
    const c = new Client(s.url);
    assert.equal((await c.post(`${API}/admin/auth/login`, { email, password: PASSWORD })).status, 200);
    assert.ok(c.cookies.has('memberd_admin'));
    assert.equal((await c.post(`${API}/admin/auth/logout`)).status, 204);
    assert.equal((await c.get(`${API}/admin/me`)).status, 401);
  });

  test('an API token works without CSRF, once revoked it does not', async () => {
    const out = s.memberctl(['admin', 'token', admin.email]);
    assert.equal(out.status, 0, out.stderr);
    const token = out.stdout.trim();
    assert.match(token, /^[A-Za-z0-9_-]{43}$/);
    const bearer = { authorization: `Bearer ${token}` };
    const me = await s.api(`${API}/admin/me`, { headers: bearer });
    assert.equal(me.status, 200);
    assert.equal(me.json.csrf_token, null);
    const [, u] = await registerUser(s);
    const made = await s.api(`${API}/admin/clients`, { method: 'POST', headers: bearer, body: { first_name: 'T', last_name: 'K', owner: { user_id: u.id } } });
    assert.equal(made.status, 201);
    assert.equal(s.memberctl(['admin', 'token', '--revoke', admin.email]).status, 0);
    assert.equal((await s.api(`${API}/admin/me`, { headers: bearer })).status, 401);
    assert.equal((await s.api(`${API}/admin/me`, { headers: { authorization: 'Bearer nonsense' } })).status, 401);
  });

  test('clients: create with an existing user, with a new email, unknown user 404; search and pages', async () => {
    const [, u] = await registerUser(s);
    const tag = 'Zebra' + Date.now();
    const a = await admin.post(`${API}/admin/clients`, { company_name: `${tag} Hosting`, first_name: 'Zed', last_name: 'Quux', owner: { user_id: u.id } });
    assert.equal(a.status, 201);
    const email = uniqueEmail('newowner');
    const b = await admin.post(`${API}/admin/clients`, { company_name: `${tag} Two`, first_name: 'Yan', last_name: 'Ng', owner: { email } });
    assert.equal(b.status, 201);
    const owner = s.sql(`SELECT id, password_hash IS NULL, first_name FROM users WHERE lower(email) = lower('${email}')`);
    assert.equal(owner[0][1], 't', 'a user created by email has no password');
    assert.equal(owner[0][2], 'Yan');
    assert.equal(b.json.client.owner_user_id, Number(owner[0][0]));
    const login = await new Client(s.url).post(`${API}/auth/login`, { email, password: PASSWORD });
    assert.equal(login.status, 401);

    const missing = await admin.post(`${API}/admin/clients`, { first_name: 'A', last_name: 'B', owner: { user_id: 99999999 } });
    assert.equal(missing.status, 404);
    const noOwner = await admin.post(`${API}/admin/clients`, { first_name: 'A', last_name: 'B' });
    assert.equal(noOwner.status, 422);
    assert.equal(noOwner.json.error.field, 'owner');

    const found = await admin.get(`${API}/admin/clients?search=${tag.toLowerCase()}`);
    assert.equal(found.status, 200);
    assert.equal(found.json.total, 2);
    assert.deepEqual(found.json.clients.map((c) => c.id).sort(), [a.json.client.id, b.json.client.id].sort());
    const byName = await admin.get(`${API}/admin/clients?search=zed%20quux`);
    assert.ok(byName.json.clients.some((c) => c.id === a.json.client.id));
    const page2 = await admin.get(`${API}/admin/clients?page=2&search=${tag}`);
    assert.equal(page2.json.clients.length, 0);
    assert.equal((await admin.get(`${API}/admin/clients?page=0`)).status, 422);

    const one = await admin.get(`${API}/admin/clients/${a.json.client.id}`);
    assert.equal(one.status, 200);
    assert.equal(one.json.client.company_name, `${tag} Hosting`);
    assert.equal(one.json.users.length, 1);
    assert.equal(one.json.users[0].user_id, u.id);
    assert.equal(one.json.users[0].is_owner, true);
    assert.equal(one.json.users[0].permissions.length, 14);
    assert.deepEqual(one.json.invites, []);
    assert.equal((await admin.get(`${API}/admin/clients/99999999`)).status, 404);
  });

  test('Select User: prefix match on email, first or last name, case-insensitive, at most 20', async () => {
    const tag = 'q' + Date.now().toString(36);
    for (let i = 0; i < 22; i++) {
      await registerUser(s, { email: `${tag}${i}@example.com`, first_name: 'Quentin', last_name: `Z${tag}` });
    }
    const byEmail = await admin.get(`${API}/admin/users?search=${tag.toUpperCase()}`);
    assert.equal(byEmail.status, 200);
    assert.equal(byEmail.json.users.length, 20);
    assert.ok(byEmail.json.users.every((u) => u.email.startsWith(tag)));
    const byLast = await admin.get(`${API}/admin/users?search=z${tag}`);
    assert.equal(byLast.json.users.length, 20);
    const notInfix = await admin.get(`${API}/admin/users?search=${tag.slice(2)}`);
    assert.ok(notInfix.json.users.every((u) => !u.email.startsWith(tag)), 'prefix, not substring');
    const wildcard = await admin.get(`${API}/admin/users?search=%25`);
    assert.equal(wildcard.json.users.length, 0, '% is a literal, not a wildcard');
    assert.equal((await new Client(s.url).get(`${API}/admin/users?search=a`)).status, 401);
  });
});

describe('password reset', () => {
  test('202 whatever the email; a known user gets a one-hour single-use link that ends every session', async () => {
    const unknown = await new Client(s.url).post(`${API}/auth/password-reset`, { email: uniqueEmail('nobody') });
    assert.equal(unknown.status, 202);
    for (const email of ['not an address', 'ann@', '']) {
      const odd = await new Client(s.url).post(`${API}/auth/password-reset`, { email });
      assert.equal(odd.status, 202, `"${email}"`);
      assert.deepEqual(odd.json, unknown.json, 'the same answer, whatever the email');
    }
    assert.equal((await new Client(s.url).post(`${API}/auth/password-reset`, {})).status, 422);

    const [c, u] = await registerUser(s);
    const r = await new Client(s.url).post(`${API}/auth/password-reset`, { email: u.email.toUpperCase() });
    assert.equal(r.status, 202);
    const mail = await s.waitForMail((raw) => raw.includes(u.email) && raw.includes('reset-password'));
    const link = linkFrom(mail.raw, '/reset-password');
    assert.ok(link, 'a link in the mail');
    assert.ok(link.startsWith(`${s.url}/reset-password#`));
    const token = link.split('#')[1];
    assert.ok(mail.raw.includes(link), 'the link is whole in the raw message, not folded by an encoding');
    assert.match(mail.raw, /^Subject: Password Reset/m);
    const ttl = s.sql(`SELECT extract(epoch FROM expires_at - created_at)::int FROM password_resets WHERE user_id = ${u.id}`);
    assert.equal(Number(ttl[0][0]), 3600);

    const weak = await new Client(s.url).post(`${API}/auth/password-reset/confirm`, { token, password: 'short' });
    assert.equal(weak.status, 422);
    assert.equal(weak.json.error.field, 'password');

    const newPassword = 'a brand new passphrase';
    const ok = await new Client(s.url).post(`${API}/auth/password-reset/confirm`, { token, password: newPassword });
    assert.equal(ok.status, 204);
    assert.equal((await c.get(`${API}/me`)).status, 401, 'every session of the user ended');
    const again = await new Client(s.url).post(`${API}/auth/password-reset/confirm`, { token, password: 'yet another passphrase' });
    assert.equal(again.status, 422, 'single use');
    assert.equal(again.json.error.field, 'token');
    assert.equal((await new Client(s.url).post(`${API}/auth/login`, { email: u.email, password: PASSWORD })).status, 401);
    const login = await new Client(s.url).post(`${API}/auth/login`, { email: u.email, password: newPassword });
    assert.equal(login.status, 200);
    assert.equal(login.json.user.email_verified, true, 'using the emailed link proves the address');
  });

  test('asking again sends another link, up to five in fifteen minutes', async () => {
    const [, u] = await registerUser(s);
    const mailsTo = () => s.sql(`SELECT count(*) FROM email_queue WHERE recipient = '${u.email}' AND template = 'password_reset'`)[0][0];
    for (let i = 0; i < 7; i++) {
      const r = await new Client(s.url).post(`${API}/auth/password-reset`, { email: u.email });
      assert.equal(r.status, 202);
    }
    assert.equal(Number(mailsTo()), 5);
    s.sql(`UPDATE password_resets SET created_at = created_at - interval '15 minutes' WHERE user_id = ${u.id}`);
    await new Client(s.url).post(`${API}/auth/password-reset`, { email: u.email });
    assert.equal(Number(mailsTo()), 6);
  });

  test('an expired link is refused; a user created without a password gets in through a reset', async () => {
    const email = uniqueEmail('nopw');
    const [, owner] = await registerUser(s);
    await newClientAccount(owner.id);
    const made = await admin.post(`${API}/admin/clients`, { first_name: 'No', last_name: 'Password', owner: { email } });
    assert.equal(made.status, 201);
    assert.equal((await new Client(s.url).post(`${API}/auth/password-reset`, { email })).status, 202);
    const mail = await s.waitForMail((raw) => raw.includes(email));
    const token = linkFrom(mail.raw, '/reset-password').split('#')[1];
    s.sql(`UPDATE password_resets SET expires_at = now() - interval '1 second' WHERE user_id = (SELECT id FROM users WHERE email = '${email}')`);
    const late = await new Client(s.url).post(`${API}/auth/password-reset/confirm`, { token, password: 'a fine new password' });
    assert.equal(late.status, 422);
    s.sql(`UPDATE password_resets SET expires_at = now() + interval '1 hour', created_at = now() - interval '2 minutes' WHERE user_id = (SELECT id FROM users WHERE email = '${email}')`);
    assert.equal((await new Client(s.url).post(`${API}/auth/password-reset/confirm`, { token, password: 'a fine new password' })).status, 204);
    const c = new Client(s.url);
    const login = await c.post(`${API}/auth/login`, { email, password: 'a fine new password' });
    assert.equal(login.status, 200);
    assert.equal(login.json.accounts.length, 1);
    assert.equal(login.json.accounts[0].is_owner, true);
  });
});

describe('what the database and logs keep', () => {
  test('no session, reset or API token in clear in a dump; bodies of sent mail erased', async () => {
    const [c, u] = await registerUser(s);
    const session = c.cookies.get('memberd_session');
    const api = s.memberctl(['admin', 'token', admin.email]).stdout.trim();
    await new Client(s.url).post(`${API}/auth/password-reset`, { email: u.email });
    const mail = await s.waitForMail((raw) => raw.includes(u.email) && raw.includes('reset-password'));
    const reset = linkFrom(mail.raw, '/reset-password').split('#')[1];
    await waitFor('the reset mail marked sent', () =>
      s.sql(`SELECT count(*) FROM email_queue WHERE recipient = '${u.email}' AND template = 'password_reset' AND state = 'sent' AND body_text IS NULL`)[0][0] === '1');
    const dump = pgDump(s);
    for (const [name, secret] of [['session', session], ['api', api], ['reset', reset], ['csrf is fine', null]]) {
      if (secret) assert.ok(!dump.includes(secret), `${name} token found in the dump`);
    }
    assert.ok(!dump.includes(PASSWORD), 'a password in the dump');
    const logs = ['memberd.log', 'mailer.log', 'nginx-access.log'].map((f) => s.log(f)).join('\n');
    for (const secret of [session, api, reset, PASSWORD]) assert.ok(!logs.includes(secret), 'a secret in the logs');
  });

  test('logins, failures, logouts, password changes and client creation are audited with actor and IP', async () => {
    const [c, u] = await registerUser(s);
    await new Client(s.url).post(`${API}/auth/login`, { email: u.email, password: 'wrong password!!' });
    await new Client(s.url).post(`${API}/auth/login`, { email: u.email, password: PASSWORD });
    await c.post(`${API}/auth/logout`);
    const acct = await newClientAccount(u.id);
    const rows = s.sql(`SELECT action, actor_kind, actor_name, ip, details::text FROM audit_log
      WHERE actor_name = '${u.email}' OR (action = 'client_created' AND client_id = ${acct.id}) ORDER BY id`);
    const actions = rows.map((r) => r[0]);
    for (const a of ['user_registered', 'login_failed', 'login', 'logout', 'client_created']) {
      assert.ok(actions.includes(a), `audit has ${a}: ${actions}`);
    }
    const created = rows.find((r) => r[0] === 'client_created');
    assert.equal(created[1], 'admin');
    assert.equal(created[2], admin.email);
    for (const r of rows) {
      assert.equal(r[3], '127.0.0.1');
      assert.ok(!r[4].includes(PASSWORD));
    }
    const failed = rows.find((r) => r[0] === 'login_failed');
    assert.equal(failed[1], 'anonymous');
  });
});
