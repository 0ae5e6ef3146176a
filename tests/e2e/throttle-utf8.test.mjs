// The failed-login throttle against a database with a UTF-8 locale (what a
// distribution's default cluster gives): there lower() folds beyond ASCII,
// so "nİcK@example.com" (U+0130, U+212A) is the user nick@example.com.
// Every spelling that reaches one user or administrator must count against
// one counter, and so must every spelling of an address nobody has; the
// password-reset mail cap is per user whatever the spelling.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, PASSWORD, registerUser } from '../lib/client.mjs';
import { startStack } from '../lib/stack.mjs';

const API = '/api/v1';
const MAX = 10; // login_max_failures, the default

let s;
before(async () => {
  s = await startStack({ workers: 2, pgLocale: 'C.UTF-8' });
});
after(async () => { await s?.stop(); });

let seq = 0;
// An address with three i's and three k's in it, in ASCII lower case.
function kikiAddress(tag) {
  seq += 1;
  return `${tag}.kiki.nick.${process.pid}.${seq}@example.com`;
}

// Spellings of an address that SQL lower() folds back to it, each a
// different string after ASCII lowercasing: every i is "i" or U+0130
// (capital I with dot), every k is "k" or U+212A (Kelvin sign), and the
// ASCII case is mixed in too.
function spellings(address) {
  const [local, domain] = address.split('@');
  const slots = [...local].map((ch, i) => ({ ch, i })).filter((x) => x.ch === 'i' || x.ch === 'k');
  const out = [];
  for (let bits = 1; bits < 1 << slots.length; bits++) {
    const chars = [...local];
    slots.forEach((x, n) => {
      if (bits & (1 << n)) chars[x.i] = x.ch === 'i' ? '\u0130' : '\u212A';
    });
    const mixed = chars.join('').replace(/n/g, bits % 2 ? 'N' : 'n');
    out.push(`${mixed}@${bits % 3 ? domain.toUpperCase() : domain}`);
  }
  return out;
}

async function login(path, email, password) {
  return new Client(s.url).post(path, { email, password });
}

// MAX wrong passwords, each under another spelling, then one more
// spelling and the plain address: both 429, even with the right password.
async function assertOneCounter(path, address, password) {
  const many = spellings(address);
  assert.ok(many.length > MAX + 1);
  // the database takes them for one address
  const folded = s.sql(`SELECT DISTINCT lower(x) FROM unnest(ARRAY[${many.map((m) => `'${m}'`).join(',')}]) x`);
  assert.deepEqual(folded, [[address]]);
  for (const email of many.slice(0, MAX)) {
    const r = await login(path, email, 'not the password');
    assert.equal(r.status, 401, `${email}: ${r.text}`);
  }
  for (const email of [many[MAX], address]) {
    const r = await login(path, email, password);
    assert.equal(r.status, 429, `${email} after ${MAX} failures under other spellings: ${r.text}`);
    assert.equal(r.json.error.code, 'too_many_attempts');
    assert.match(r.headers.get('retry-after') || '', /^[1-9][0-9]*$/);
  }
}

describe('with a UTF-8 locale in the database', () => {
  test('the cluster folds U+0130 and U+212A', () => {
    const [[ctype, folded]] = s.sql("SELECT current_setting('lc_ctype'), lower(E'n\\u0130c\\u212A@example.com')");
    assert.equal(ctype, 'C.UTF-8');
    assert.equal(folded, 'nick@example.com');
  });

  test('every spelling of a user shares one counter of failed logins', async () => {
    const address = kikiAddress('user');
    const [, user] = await registerUser(s, { email: address });
    assert.equal(user.email, address);
    // a spelling the database folds does sign in
    const ok = await login(`${API}/auth/login`, spellings(address)[0], PASSWORD);
    assert.equal(ok.status, 200, ok.text);
    await assertOneCounter(`${API}/auth/login`, address, PASSWORD);
  });

  test('every spelling of an administrator shares one counter of failed logins', async () => {
    const address = kikiAddress('admin');
    const out = s.memberctl(['admin', 'add', address, '--name', 'Kiki Admin'], { input: `${PASSWORD}\n` });
    assert.equal(out.status, 0, out.stderr);
    const ok = await login(`${API}/admin/auth/login`, spellings(address)[1], PASSWORD);
    assert.equal(ok.status, 200, ok.text);
    await assertOneCounter(`${API}/admin/auth/login`, address, PASSWORD);
  });

  test('every spelling of an address nobody has shares one counter', async () => {
    await assertOneCounter(`${API}/auth/login`, kikiAddress('nobody'), PASSWORD);
    await assertOneCounter(`${API}/admin/auth/login`, kikiAddress('nobody-admin'), PASSWORD);
  });

  test('a user who signs in clears the failures of every spelling', async () => {
    const address = kikiAddress('forgiven');
    await registerUser(s, { email: address });
    const many = spellings(address);
    for (const email of many.slice(0, MAX - 1)) {
      assert.equal((await login(`${API}/auth/login`, email, 'wrong')).status, 401);
    }
    assert.equal((await login(`${API}/auth/login`, many[MAX], PASSWORD)).status, 200);
    for (const email of many.slice(0, MAX - 1)) {
      assert.equal((await login(`${API}/auth/login`, email, 'wrong')).status, 401);
    }
    assert.equal((await login(`${API}/auth/login`, address, PASSWORD)).status, 200);
  });

  test('the reset mail cap counts per user, whatever the spelling', async () => {
    const address = kikiAddress('reset');
    const [, user] = await registerUser(s, { email: address });
    for (const email of spellings(address).slice(0, 8)) {
      const r = await new Client(s.url).post(`${API}/auth/password-reset`, { email });
      assert.equal(r.status, 202, r.text);
    }
    const [[n]] = s.sql(`SELECT count(*) FROM password_resets WHERE user_id = ${user.id}`);
    assert.equal(n, '5');
  });
});
