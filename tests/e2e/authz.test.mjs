// GET /api/v1/authz and the service it protects (DESIGN §10.1): a real
// HTTP service (tools/echo-upstream.mjs) behind the stack's own nginx
// under /billing/, with nginx/snippets/memberd-authz.conf, answering with
// the headers it received. /billing/ takes any member of the session's
// active account, /billing/invoices/ members holding invoices. Each kind
// of caller gets what it should, and what a client sends of its own in
// X-Memberd-* headers never reaches the service.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../lib/stack.mjs';
import { Client, adminClient, registerUser, uniqueEmail } from '../lib/client.mjs';

const API = '/api/v1';
const ALL = 'profile,contacts,products,manageproducts,productsso,domains,managedomains,invoices,quotes,tickets,affiliates,emails,orders,users';
let s;
let admin;

before(async () => {
  s = await startStack({ workers: 2, mailer: false, billing: true });
  admin = await adminClient(s, uniqueEmail('admin'), 'Ada Admin');
});
after(async () => { await s?.stop(); });

async function ownedAccount() {
  const [owner, user] = await registerUser(s, { first_name: 'Olga', last_name: 'Owner' });
  const r = await admin.post(`${API}/admin/clients`, {
    company_name: 'Billing Ltd ' + Date.now(), first_name: 'Olga', last_name: 'Owner', owner: { user_id: user.id },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal((await owner.post(`${API}/me/active-account`, { client_id: r.json.client.id })).status, 200);
  return { owner, user, client: r.json.client };
}

async function addMember(acct, permissions) {
  const [c, u] = await registerUser(s);
  const r = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { user_id: u.id, permissions, send_invite: false });
  assert.equal(r.status, 201, r.text);
  assert.equal((await c.post(`${API}/me/active-account`, { client_id: acct.client.id })).status, 200);
  return [c, u];
}

// What the echo service received, or the status nginx answered instead.
async function billing(c, path = '/billing/invoices/2026-01', headers = {}) {
  const r = await c.get(path, { headers });
  let echo;
  if (r.status === 200) {
    echo = JSON.parse(r.text);
    assert.equal(echo.url, path, 'the service got the request as sent');
  } else {
    assert.ok(!r.text.includes('"headers"'), 'nothing of the service in a refusal');
  }
  return { status: r.status, echo, h: echo?.headers ?? {} };
}

const memberdHeaders = (h) => Object.fromEntries(Object.entries(h).filter(([k]) => k.startsWith('x-memberd-')));

describe('who gets through to /billing/', () => {
  let acct;
  before(async () => { acct = await ownedAccount(); });

  test('the owner: every permission listed, owner 1, no impersonation', async () => {
    const b = await billing(acct.owner);
    assert.equal(b.status, 200);
    assert.deepEqual(memberdHeaders(b.h), {
      'x-memberd-user-id': String(acct.user.id),
      'x-memberd-user-email': acct.user.email,
      'x-memberd-client-id': String(acct.client.id),
      'x-memberd-owner': '1',
      'x-memberd-permissions': ALL,
    });
    assert.equal(b.h.cookie, undefined, 'memberd\'s session cookie is not passed on, and there was no other');
  });

  test('the service gets the browser\'s other cookies, never memberd\'s sessions', async () => {
    const c = new Client(s.url);
    c.cookies.set('theme', 'dark');
    c.cookies.set('memberd_session', acct.owner.cookies.get('memberd_session'));
    c.cookies.set('lang', 'en');
    c.cookies.set('memberd_admin', admin.cookies.get('memberd_admin'));
    c.cookies.set('xmemberd_session', 'kept');
    const b = await billing(c);
    assert.equal(b.status, 200);
    assert.equal(b.h['x-memberd-user-id'], String(acct.user.id));
    const names = b.h.cookie.split(';').map((x) => x.trim()).filter(Boolean).map((x) => x.split('=')[0]);
    assert.deepEqual(names, ['theme', 'lang', 'xmemberd_session']);
    assert.ok(!b.h.cookie.includes(acct.owner.cookies.get('memberd_session')));
    assert.ok(!b.h.cookie.includes(admin.cookies.get('memberd_admin')));
  });

  test('a member with invoices passes with its own permissions, in the order of DESIGN §3', async () => {
    const [c, u] = await addMember(acct, ['invoices', 'domains']);
    const b = await billing(c);
    assert.equal(b.status, 200);
    assert.equal(b.h['x-memberd-user-id'], String(u.id));
    assert.equal(b.h['x-memberd-owner'], '0');
    assert.equal(b.h['x-memberd-permissions'], 'domains,invoices');
    assert.equal(b.h['x-memberd-client-id'], String(acct.client.id));
  });

  test('a member without invoices: 403 under /billing/invoices/, but in under /billing/', async () => {
    const [c, u] = await addMember(acct, ['tickets']);
    assert.equal((await billing(c)).status, 403);
    const b = await billing(c, '/billing/');
    assert.equal(b.status, 200);
    assert.equal(b.h['x-memberd-user-id'], String(u.id));
    assert.equal(b.h['x-memberd-permissions'], 'tickets');
  });

  test('a removed member: 403, for its active account and when it names the account', async () => {
    const [c, u] = await addMember(acct, ['invoices']);
    assert.equal((await billing(c)).status, 200);
    assert.equal((await admin.del(`${API}/admin/clients/${acct.client.id}/users/${u.id}`)).status, 204);
    assert.equal((await billing(c)).status, 403);
    assert.equal((await billing(c, '/billing/')).status, 403);
    assert.equal((await c.get(`${API}/authz?client_id=${acct.client.id}`)).status, 403);
  });

  test('no session, a logged-out session and a made-up cookie: 401', async () => {
    const [c] = await addMember(acct, ['invoices']);
    const cookie = c.cookies.get('memberd_session');
    assert.equal((await c.post(`${API}/auth/logout`)).status, 204);
    assert.equal((await billing(new Client(s.url))).status, 401);
    const stale = new Client(s.url);
    stale.cookies.set('memberd_session', cookie);
    assert.equal((await billing(stale)).status, 401, 'the ended session is dead');
    const bogus = new Client(s.url);
    bogus.cookies.set('memberd_session', 'A'.repeat(43));
    assert.equal((await billing(bogus)).status, 401);
  });

  test('a forged X-Memberd-* header from the client never reaches the service', async () => {
    const [c, u] = await addMember(acct, ['invoices']);
    const forged = {
      'x-memberd-user-id': String(acct.user.id),
      'x-memberd-user-email': acct.user.email,
      'x-memberd-owner': '1',
      'x-memberd-permissions': ALL,
      'x-memberd-client-id': '1',
      'x-memberd-impersonated-by': '1',
    };
    const b = await billing(c, '/billing/invoices/x', forged);
    assert.equal(b.status, 200);
    assert.deepEqual(memberdHeaders(b.h), {
      'x-memberd-user-id': String(u.id),
      'x-memberd-user-email': u.email,
      'x-memberd-client-id': String(acct.client.id),
      'x-memberd-owner': '0',
      'x-memberd-permissions': 'invoices',
    }, 'memberd\'s values only; no Impersonated-By when memberd sent none');
    // nor does a forged header open the door without a session
    assert.equal((await billing(new Client(s.url), '/billing/invoices/x', forged)).status, 401);
  });
});

describe('accounts and users that may not pass', () => {
  test('a closed account: 403 even for its owner', async () => {
    const acct = await ownedAccount();
    assert.equal((await billing(acct.owner)).status, 200);
    s.sql(`UPDATE clients SET status = 'closed' WHERE id = ${acct.client.id}`);
    assert.equal((await billing(acct.owner)).status, 403);
    assert.equal((await billing(acct.owner, '/billing/')).status, 403);
    s.sql(`UPDATE clients SET status = 'inactive' WHERE id = ${acct.client.id}`);
    assert.equal((await billing(acct.owner)).status, 200, 'inactive is not closed');
  });

  test('a disabled user: 403', async () => {
    const acct = await ownedAccount();
    const [c, u] = await addMember(acct, ['invoices']);
    s.sql(`UPDATE users SET status = 'disabled' WHERE id = ${u.id}`);
    assert.equal((await billing(c)).status, 403);
    s.sql(`UPDATE users SET status = 'active' WHERE id = ${u.id}`);
    assert.equal((await billing(c)).status, 200);
  });

  test('an account requiring 2FA: 403 for a user without it, in once it is on', async () => {
    const acct = await ownedAccount();
    const [c, u] = await addMember(acct, ['invoices']);
    s.sql(`UPDATE clients SET require_2fa = true WHERE id = ${acct.client.id}`);
    assert.equal((await billing(c)).status, 403);
    assert.equal((await billing(acct.owner)).status, 403, 'the owner too');
    s.sql(`UPDATE users SET totp_enabled_at = now() WHERE id = ${u.id}`);
    assert.equal((await billing(c)).status, 200);
  });

  test('an impersonated session passes, naming the administrator', async () => {
    const acct = await ownedAccount();
    const [c, u] = await addMember(acct, ['invoices']);
    const adminId = s.sql(`SELECT id FROM admins WHERE email = '${admin.email}'`)[0][0];
    s.sql(`UPDATE sessions SET impersonated_by = ${adminId} WHERE user_id = ${u.id}`);
    const b = await billing(c, '/billing/invoices/x', { 'x-memberd-impersonated-by': '999' });
    assert.equal(b.status, 200);
    assert.equal(b.h['x-memberd-user-id'], String(u.id));
    assert.equal(b.h['x-memberd-impersonated-by'], adminId);
    const d = await c.get(`${API}/authz`);
    assert.equal(d.status, 204);
    assert.equal(d.headers.get('x-memberd-impersonated-by'), adminId);
  });
});

describe('GET /api/v1/authz itself', () => {
  let acct;
  before(async () => { acct = await ownedAccount(); });

  test('204 with the headers and no body; client_id names another account of the user', async () => {
    const other = await admin.post(`${API}/admin/clients`, {
      company_name: 'Second Ltd', first_name: 'Olga', last_name: 'Owner', owner: { user_id: acct.user.id },
    });
    assert.equal(other.status, 201, other.text);
    const r = await acct.owner.get(`${API}/authz?permission=invoices`);
    assert.equal(r.status, 204);
    assert.equal(r.text, '');
    assert.equal(r.headers.get('x-memberd-client-id'), String(acct.client.id), 'the active account by default');
    assert.equal(r.headers.get('x-memberd-permissions'), ALL);
    const r2 = await acct.owner.get(`${API}/authz?client_id=${other.json.client.id}&permission=`);
    assert.equal(r2.status, 204);
    assert.equal(r2.headers.get('x-memberd-client-id'), String(other.json.client.id));
    assert.equal((await acct.owner.get(`${API}/authz?client_id=999999999`)).status, 403, 'no such account');
  });

  test('a session without an active account: 403; without a cookie: 401; all without a body', async () => {
    const [c] = await registerUser(s);
    const r = await c.get(`${API}/authz`);
    assert.equal(r.status, 403);
    assert.equal(r.text, '');
    const n = await new Client(s.url).get(`${API}/authz`);
    assert.equal(n.status, 401);
    assert.equal(n.text, '');
  });

  test('a client_id or permission that is not one: 400 without a body', async () => {
    for (const q of ['permission=nope', 'permission=Invoices', 'client_id=abc', 'client_id=0',
      'client_id=-1', 'client_id=1e3', 'permission=%ZZ']) {
      const r = await acct.owner.get(`${API}/authz?${q}`);
      assert.equal(r.status, 400, q);
      assert.equal(r.text, '', q);
    }
  });

  test('the hot path writes nothing: last_seen_at moves only when a minute old', async () => {
    const sid = () => s.sql(`SELECT id FROM sessions WHERE user_id = ${acct.user.id} ORDER BY id DESC LIMIT 1`)[0][0];
    const seen = () => s.sql(`SELECT last_seen_at, xmin FROM sessions WHERE id = ${sid()}`)[0];
    s.sql(`UPDATE sessions SET last_seen_at = now() - interval '10 seconds' WHERE id = ${sid()}`);
    const before = seen();
    for (let i = 0; i < 5; i++) assert.equal((await acct.owner.get(`${API}/authz`)).status, 204);
    assert.deepEqual(seen(), before, 'no new row version: nothing written');
    s.sql(`UPDATE sessions SET last_seen_at = now() - interval '2 minutes' WHERE id = ${sid()}`);
    const old = seen();
    assert.equal((await acct.owner.get(`${API}/authz`)).status, 204);
    const fresh = Number(s.sql(`SELECT extract(epoch FROM now() - last_seen_at) FROM sessions WHERE id = ${sid()}`)[0][0]);
    assert.ok(fresh < 30, `refreshed (${fresh} s old)`);
    assert.notDeepEqual(seen(), old);
  });

  test('an idle session is not alive, and authz does not revive it', async () => {
    const [c, u] = await addMember(acct, ['invoices']);
    s.sql(`UPDATE sessions SET last_seen_at = now() - interval '30 days' WHERE user_id = ${u.id}`);
    assert.equal((await c.get(`${API}/authz`)).status, 401);
    assert.equal((await c.get(`${API}/me`)).status, 401);
  });

  test('the internal location is not reachable from outside', async () => {
    for (const p of ['/_memberd_authz/', '/_memberd_authz/invoices', '/_memberd_authz/invoices?client_id=1']) {
      const r = await acct.owner.get(p);
      assert.equal(r.status, 404, p);
      assert.ok(!r.headers.has('x-memberd-user-id'), p);
    }
  });

  test('POST /billing/ asks memberd with GET, and the service gets the POST', async () => {
    const r = await acct.owner.post('/billing/invoices/pay', { amount: 1 });
    assert.equal(r.status, 200, r.text);
    const echo = JSON.parse(r.text);
    assert.equal(echo.method, 'POST');
    assert.equal(echo.headers['x-memberd-owner'], '1');
  });
});
