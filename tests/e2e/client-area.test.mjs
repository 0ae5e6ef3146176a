// The Client Area beyond the seed (DESIGN.md section 11) end to end:
// large accounts searched and paged, the account's activity and its CSV,
// bulk invitations with mixed results and limits, editing a pending
// invitation, dismissing an ended one, and the invitee declining.
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
  s = await startStack({ workers: 3, conf: 'invite_pending_limit = 8' });
  admin = await adminClient(s, uniqueEmail('admin'), 'Ada Admin');
});
after(async () => { await s?.stop(); });

// An account owned by a fresh user, active in the owner's client.
async function ownedAccount(company = `Acme ${Date.now()}`, owner = { first_name: 'Olga', last_name: 'Owner' }) {
  const [c, user] = await registerUser(s, owner);
  const r = await admin.post(`${API}/admin/clients`, { company_name: company, first_name: 'Olga', last_name: 'Owner', owner: { user_id: user.id } });
  assert.equal(r.status, 201, r.text);
  assert.equal((await c.post(`${API}/me/active-account`, { client_id: r.json.client.id })).status, 200);
  return { owner: c, user, client: r.json.client };
}

// A member with these permissions, signed in with the account active.
async function addMember(acct, permissions, fields = {}) {
  const [c, u] = await registerUser(s, fields);
  const r = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { user_id: u.id, permissions, send_invite: false });
  assert.equal(r.status, 201, r.text);
  assert.equal((await c.post(`${API}/me/active-account`, { client_id: acct.client.id })).status, 200);
  return [c, u];
}

// n members added straight in SQL (the API is not under test here), in order.
function addMembersSql(clientId, n, tag) {
  s.sql(`INSERT INTO users (email, first_name, last_name)
    SELECT '${tag}' || g || '@example.com', 'Member', 'N' || g FROM generate_series(1, ${n}) g;
    INSERT INTO client_users (client_id, user_id, permissions, added_at)
    SELECT ${clientId}, u.id, '{domains}', now() + make_interval(secs => substring(u.email from '[0-9]+')::int)
    FROM users u WHERE u.email LIKE '${tag}%@example.com'`);
}

async function mailLink(email) {
  const m = await s.waitForMail((raw) => raw.includes(`To: ${email}`) || raw.includes(`<${email}>`));
  return linkFrom(m.raw, '/invite').split('#')[1];
}

// RFC 4180: rows of fields, quoted fields with doubled quotes and line breaks.
function parseCsv(text) {
  const rows = [];
  let row = [];
  let f = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (q) {
      if (ch === '"' && text[i + 1] === '"') { f += '"'; i++; } else if (ch === '"') q = false; else f += ch;
    } else if (ch === '"') q = true;
    else if (ch === ',') { row.push(f); f = ''; } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(f); rows.push(row); row = []; f = ''; i++;
    } else f += ch;
  }
  assert.equal(f, '', 'the document ends with CRLF');
  assert.equal(q, false, 'no quote left open');
  return rows;
}

describe('GET /account/users: search and paging', () => {
  let acct;
  before(async () => {
    acct = await ownedAccount('Paging Hosting');
    addMembersSql(acct.client.id, 120, `pg${process.pid}x`);
    s.sql(`UPDATE users SET first_name = '100%', last_name = 'Percent' WHERE email = 'pg${process.pid}x7@example.com';
      UPDATE users SET first_name = 'Under_Score' WHERE email = 'pg${process.pid}x8@example.com'`);
  });

  test('without page the answer is as before: everyone, no paging fields', async () => {
    const r = await acct.owner.get(`${API}/account/users`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.users.length, 121);
    assert.equal(r.json.users[0].user_id, acct.user.id, 'the owner first');
    assert.equal(r.json.page, undefined);
    assert.equal(r.json.total, undefined);
    assert.deepEqual(r.json.declined_invites, []);
  });

  test('pages of 50: the owner first, then in the order added; a page past the end is empty', async () => {
    const all = (await acct.owner.get(`${API}/account/users`)).json.users.map((u) => u.user_id);
    const seen = [];
    for (const page of [1, 2, 3]) {
      const r = await acct.owner.get(`${API}/account/users?page=${page}`);
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.page, page);
      assert.equal(r.json.per_page, 50);
      assert.equal(r.json.total, 121);
      assert.equal(r.json.users.length, page < 3 ? 50 : 21);
      seen.push(...r.json.users.map((u) => u.user_id));
    }
    assert.deepEqual(seen, all, 'the pages together are the whole list, in its order');
    const beyond = await acct.owner.get(`${API}/account/users?page=4`);
    assert.equal(beyond.status, 200);
    assert.deepEqual(beyond.json.users, []);
    assert.equal(beyond.json.total, 121);
    for (const bad of ['0', '-1', 'x', '1.5']) {
      const r = await acct.owner.get(`${API}/account/users?page=${bad}`);
      assert.equal(r.status, 422, `page=${bad}`);
      assert.equal(r.json.error.code, 'invalid_input');
      assert.equal(r.json.error.field, 'page');
    }
    const ignored = await acct.owner.get(`${API}/account/users?page=1&per_page=500`);
    assert.equal(ignored.json.per_page, 50, 'per_page is fixed');
    assert.equal(ignored.json.users.length, 50);
  });

  test('search over name and email, case-insensitive; % and _ match only themselves', async () => {
    const owner = await acct.owner.get(`${API}/account/users?search=OLGA&page=1`);
    assert.equal(owner.json.total, 1);
    assert.equal(owner.json.users[0].user_id, acct.user.id);
    const byMail = await acct.owner.get(`${API}/account/users?search=${encodeURIComponent(`PG${process.pid}X11@`)}&page=1`);
    assert.deepEqual(byMail.json.users.map((u) => u.email), [`pg${process.pid}x11@example.com`]);
    const full = await acct.owner.get(`${API}/account/users?search=${encodeURIComponent('member n12')}&page=1`);
    assert.deepEqual(full.json.users.map((u) => u.last_name).sort(), ['N12', 'N120']);
    const pct = await acct.owner.get(`${API}/account/users?search=${encodeURIComponent('%')}&page=1`);
    assert.equal(pct.status, 200);
    assert.deepEqual(pct.json.users.map((u) => u.first_name), ['100%'], '% is no wildcard');
    const und = await acct.owner.get(`${API}/account/users?search=_&page=1`);
    assert.deepEqual(und.json.users.map((u) => u.first_name), ['Under_Score'], '_ is no wildcard');
    const none = await acct.owner.get(`${API}/account/users?search=nobody-here`);
    assert.deepEqual(none.json.users, [], 'search without page filters too');
    const long = await acct.owner.get(`${API}/account/users?search=${'x'.repeat(201)}`);
    assert.equal(long.status, 422);
    assert.equal(long.json.error.field, 'search');
  });

  test('search filters the invitations by address too', async () => {
    const a = uniqueEmail('findme');
    const b = uniqueEmail('other');
    for (const email of [a, b]) assert.equal((await acct.owner.post(`${API}/account/invites`, { email, permissions: ['domains'] })).status, 201);
    const r = await acct.owner.get(`${API}/account/users?search=findme&page=1`);
    assert.deepEqual(r.json.invites.map((i) => i.email), [a]);
    assert.equal(r.json.total, 0);
  });

  test('a member without users gets 403; a delegate pages too', async () => {
    const [plain] = await addMember(acct, ['domains']);
    const r = await plain.get(`${API}/account/users?page=1`);
    assert.equal(r.status, 403);
    const [delegate] = await addMember(acct, ['users', 'domains']);
    const d = await delegate.get(`${API}/account/users?page=3`);
    assert.equal(d.status, 200);
    assert.equal(d.json.total, 123);
  });
});

describe('GET /account/activity', () => {
  test('the owner and users holders see the entries, newest first, paged; others get 403', async () => {
    const acct = await ownedAccount('Activity Hosting');
    for (let i = 0; i < 3; i++) assert.equal((await acct.owner.post(`${API}/account/invites`, { email: uniqueEmail('act'), permissions: ['tickets'] })).status, 201);
    const r = await acct.owner.get(`${API}/account/activity`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.page, 1);
    assert.equal(r.json.per_page, 50);
    assert.equal(r.json.total, r.json.entries.length);
    const ids = r.json.entries.map((e) => e.id);
    assert.deepEqual(ids, [...ids].sort((x, y) => y - x), 'newest first');
    assert.equal(r.json.entries[0].action, 'invite_created');
    assert.equal(r.json.entries[0].actor.kind, 'user');
    assert.equal(r.json.entries[0].actor.id, acct.user.id);
    assert.equal(r.json.entries.at(-1).action, 'client_created');
    // the same as the admin sees
    const adm = await admin.get(`${API}/admin/clients/${acct.client.id}/activity`);
    assert.deepEqual(r.json.entries, adm.json.entries);

    s.sql(`INSERT INTO audit_log (actor_kind, actor_name, client_id, action, details)
      SELECT 'system', 'housekeeping', ${acct.client.id}, 'test_filler', jsonb_build_object('n', g) FROM generate_series(1, 60) g`);
    const p2 = await acct.owner.get(`${API}/account/activity?page=2`);
    assert.equal(p2.json.total, r.json.total + 60);
    assert.equal(p2.json.entries.length, r.json.total + 10);
    assert.equal((await acct.owner.get(`${API}/account/activity?page=0`)).status, 422);
    assert.deepEqual((await acct.owner.get(`${API}/account/activity?page=9`)).json.entries, []);

    const [plain] = await addMember(acct, ['invoices']);
    assert.equal((await plain.get(`${API}/account/activity`)).status, 403);
    const [delegate] = await addMember(acct, ['users']);
    assert.equal((await delegate.get(`${API}/account/activity`)).status, 200);
    // another account's entries never show
    const other = await ownedAccount('Elsewhere');
    const mine = (await other.owner.get(`${API}/account/activity`)).json.entries;
    assert.ok(mine.every((e) => e.action !== 'test_filler'));
  });

  test('Accept: text/csv gives every entry, RFC 4180 quoting, formulas kept as text', async () => {
    const acct = await ownedAccount('Doe, "Best" Hosting');
    const [delegate, du] = await addMember(acct, ['users', 'tickets']);
    assert.equal((await delegate.post(`${API}/account/invites`, { email: uniqueEmail('csv'), permissions: ['tickets'] })).status, 201);
    // actor names no address can hold (an operator's tool, an imported row)
    s.sql(`INSERT INTO audit_log (actor_kind, actor_name, client_id, action, details)
      SELECT 'system', '+cmd|calc', ${acct.client.id}, 'test_filler', '{}' FROM generate_series(1, 70) g;
      INSERT INTO audit_log (actor_kind, actor_name, client_id, action, details)
      VALUES ('system', '=HYPERLINK("http://x","Doe, Jane")', ${acct.client.id}, 'test_formula', '{}'),
             ('system', '@SUM(A1)', ${acct.client.id}, 'test_formula', '{}'),
             ('system', '-2+3', ${acct.client.id}, 'test_formula', '{}')`);

    const r = await acct.owner.get(`${API}/account/activity?page=1`, { headers: { accept: 'text/csv' } });
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type'), /^text\/csv; charset=utf-8/);
    assert.match(r.headers.get('content-disposition'), new RegExp(`attachment; filename="activity-${acct.client.id}.csv"`));
    const rows = parseCsv(r.text);
    assert.deepEqual(rows[0], ['id', 'at', 'actor_kind', 'actor_id', 'actor_name', 'action', 'details', 'ip']);
    const json = await acct.owner.get(`${API}/account/activity`);
    assert.equal(rows.length - 1, json.json.total, 'all of it, not a page');
    assert.ok(rows.every((row) => row.length === 8));
    const ids = rows.slice(1).map((row) => Number(row[0]));
    assert.deepEqual(ids, [...ids].sort((x, y) => y - x), 'newest first');

    const created = rows.find((row) => row[5] === 'client_created');
    assert.equal(JSON.parse(created[6]).company_name, 'Doe, "Best" Hosting', 'commas and quotes survive');
    assert.ok(r.text.includes('""company_name"": ""Doe, \\""Best\\"" Hosting""'), 'quotes are doubled inside a quoted field');
    const byDelegate = rows.find((row) => row[5] === 'invite_created');
    assert.equal(byDelegate[4], du.email);
    assert.equal(byDelegate[3], String(du.id));
    assert.deepEqual(rows.filter((row) => row[5] === 'test_formula').map((row) => row[4]).sort(),
      ["'-2+3", "'=HYPERLINK(\"http://x\",\"Doe, Jane\")", "'@SUM(A1)"], 'formula cells get an apostrophe');
    assert.ok(r.text.includes('"\'=HYPERLINK(""http://x"",""Doe, Jane"")"'), 'a name with commas and quotes is quoted, quotes doubled');
    assert.ok(rows.filter((row) => row[5] === 'test_filler').every((row) => row[4] === "'+cmd|calc"));
    assert.ok(!/(^|,)[=+@-]/m.test(r.text.replace(/"[^"]*"/g, '""')), 'no bare cell starts a formula');
  });
});

describe('POST /account/invites/bulk', () => {
  test('mixed results, one per address: invited, already a member, pending, invalid, limited', async () => {
    const acct = await ownedAccount('Bulk Hosting');
    const [, member] = await addMember(acct, ['domains']);
    const pending = uniqueEmail('pending');
    assert.equal((await acct.owner.post(`${API}/account/invites`, { email: pending, permissions: ['domains'] })).status, 201);
    // one address has had its 5 invitation emails today (from anywhere)
    const capped = uniqueEmail('capped');
    for (let i = 0; i < 5; i++) {
      const inv = await acct.owner.post(`${API}/account/invites`, { email: capped, permissions: ['domains'] });
      assert.equal(inv.status, 201, inv.text);
      assert.equal((await acct.owner.post(`${API}/account/invites/${inv.json.invite.id}/cancel`)).status, 200);
    }
    const fresh = [uniqueEmail('bulk'), uniqueEmail('bulk')];
    const before = Number(s.sql(`SELECT count(*) FROM audit_log WHERE client_id = ${acct.client.id} AND action = 'invite_created'`)[0][0]);
    const r = await acct.owner.post(`${API}/account/invites/bulk`, {
      emails: [fresh[0], ` ${member.email.toUpperCase()} `, pending, 'not-an-address', capped, fresh[1], fresh[0]],
      permissions: ['tickets', 'invoices'],
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.results.map((x) => x.status),
      ['invited', 'already_member', 'invite_pending', 'invalid', 'limited', 'invited', 'invite_pending']);
    assert.equal(r.json.results[0].email, fresh[0]);
    assert.equal(r.json.results[3].email, 'not-an-address');
    assert.deepEqual(r.json.results[0].invite.permissions, ['invoices', 'tickets']);
    assert.equal(r.json.results[1].invite, undefined);
    const after = Number(s.sql(`SELECT count(*) FROM audit_log WHERE client_id = ${acct.client.id} AND action = 'invite_created'`)[0][0]);
    assert.equal(after - before, 2, 'each invitation audited');
    for (const email of fresh) assert.ok(await mailLink(email), `an email to ${email}`);
  });

  test('the pending cap: addresses beyond it are limited, those before it invited', async () => {
    const acct = await ownedAccount('Cap Hosting');
    const emails = Array.from({ length: 10 }, () => uniqueEmail('cap'));
    const r = await acct.owner.post(`${API}/account/invites/bulk`, { emails, permissions: 'all' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.results.map((x) => x.status), [...Array(8).fill('invited'), 'limited', 'limited']);
    assert.equal(r.json.results[0].invite.permissions.length, 14);
  });

  test('bad input is 422; granting beyond the delegate is 403 and sends nothing', async () => {
    const acct = await ownedAccount('Refusing Hosting');
    const over = await acct.owner.post(`${API}/account/invites/bulk`, { emails: Array.from({ length: 51 }, () => uniqueEmail('x')), permissions: ['domains'] });
    assert.equal(over.status, 422);
    assert.equal(over.json.error.field, 'emails');
    assert.equal((await acct.owner.post(`${API}/account/invites/bulk`, { emails: [], permissions: ['domains'] })).status, 422);
    assert.equal((await acct.owner.post(`${API}/account/invites/bulk`, { emails: [42], permissions: ['domains'] })).status, 422);
    assert.equal((await acct.owner.post(`${API}/account/invites/bulk`, { emails: [uniqueEmail('x')], permissions: [] })).status, 422);
    const [delegate] = await addMember(acct, ['users', 'domains']);
    const n = s.sql(`SELECT count(*) FROM invites WHERE client_id = ${acct.client.id}`)[0][0];
    const r = await delegate.post(`${API}/account/invites/bulk`, { emails: [uniqueEmail('a'), uniqueEmail('b')], permissions: ['domains', 'orders'] });
    assert.equal(r.status, 403);
    assert.equal(r.json.error.code, 'forbidden');
    assert.equal(s.sql(`SELECT count(*) FROM invites WHERE client_id = ${acct.client.id}`)[0][0], n);
    const [plain] = await addMember(acct, ['domains']);
    assert.equal((await plain.post(`${API}/account/invites/bulk`, { emails: [uniqueEmail('a')], permissions: ['domains'] })).status, 403);
  });
});

describe('PATCH /account/invites/{id}', () => {
  test('new permissions, the same link; within the actor\'s rights only', async () => {
    const acct = await ownedAccount('Edit Hosting');
    const email = uniqueEmail('edit');
    const inv = (await acct.owner.post(`${API}/account/invites`, { email, permissions: ['domains'] })).json.invite;
    const token = await mailLink(email);
    const hash = s.sql(`SELECT encode(token_hash, 'hex') FROM invites WHERE id = ${inv.id}`)[0][0];
    const r = await acct.owner.patch(`${API}/account/invites/${inv.id}`, { permissions: ['domains', 'tickets'] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.invite.permissions, ['domains', 'tickets']);
    assert.equal(r.json.invite.expires_at, inv.expires_at);
    assert.equal(r.json.invite.sent_count, 1, 'no new email');
    assert.equal(s.sql(`SELECT encode(token_hash, 'hex') FROM invites WHERE id = ${inv.id}`)[0][0], hash, 'the token unchanged');
    const look = await new Client(s.url).post(`${API}/invites/lookup`, { token });
    assert.deepEqual(look.json.invite.permissions, ['domains', 'tickets'], 'the old link grants the new permissions');
    const audit = s.sql(`SELECT details->>'from', details->>'to' FROM audit_log WHERE client_id = ${acct.client.id} AND action = 'invite_permissions_changed'`);
    assert.deepEqual(audit, [['["domains"]', '["domains", "tickets"]']]);

    const [delegate] = await addMember(acct, ['users', 'domains', 'tickets']);
    const beyond = await delegate.patch(`${API}/account/invites/${inv.id}`, { permissions: ['domains', 'orders'] });
    assert.equal(beyond.status, 403, 'granting what the delegate lacks');
    assert.equal(beyond.json.error.code, 'forbidden');
    const big = (await acct.owner.post(`${API}/account/invites`, { email: uniqueEmail('big'), permissions: 'all' })).json.invite;
    const above = await delegate.patch(`${API}/account/invites/${big.id}`, { permissions: ['domains'] });
    assert.equal(above.status, 403, 'an invitation granting more than the delegate holds');
    const ok = await delegate.patch(`${API}/account/invites/${inv.id}`, { permissions: ['tickets'] });
    assert.equal(ok.status, 200);
    const [plain] = await addMember(acct, ['domains']);
    assert.equal((await plain.patch(`${API}/account/invites/${inv.id}`, { permissions: ['domains'] })).status, 403);
    assert.equal((await acct.owner.patch(`${API}/account/invites/${inv.id}`, { permissions: [] })).status, 422);
    const other = await ownedAccount('Not Yours');
    assert.equal((await other.owner.patch(`${API}/account/invites/${inv.id}`, { permissions: ['domains'] })).status, 404);
  });

  test('only a pending invitation: expired, accepted and cancelled ones are 410', async () => {
    const acct = await ownedAccount('Edit States');
    const mk = async () => (await acct.owner.post(`${API}/account/invites`, { email: uniqueEmail('st'), permissions: ['domains'] })).json.invite;
    const expired = await mk();
    s.sql(`UPDATE invites SET expires_at = now() - interval '1 second' WHERE id = ${expired.id}`);
    const e = await acct.owner.patch(`${API}/account/invites/${expired.id}`, { permissions: ['tickets'] });
    assert.equal(e.status, 410);
    assert.equal(e.json.error.code, 'invite_expired');
    const cancelled = await mk();
    await acct.owner.post(`${API}/account/invites/${cancelled.id}/cancel`);
    assert.equal((await acct.owner.patch(`${API}/account/invites/${cancelled.id}`, { permissions: ['tickets'] })).json.error.code, 'invite_cancelled');
    const email = uniqueEmail('acc');
    const used = (await acct.owner.post(`${API}/account/invites`, { email, permissions: ['domains'] })).json.invite;
    const token = await mailLink(email);
    const c = new Client(s.url);
    assert.equal((await c.post(`${API}/invites/accept`, { token, register: { email, password: PASSWORD, first_name: 'A', last_name: 'B' } })).status, 201);
    assert.equal((await acct.owner.patch(`${API}/account/invites/${used.id}`, { permissions: ['tickets'] })).json.error.code, 'invite_used');
  });
});

describe('POST /account/invites/{id}/dismiss', () => {
  test('an expired invitation leaves the list as cancelled; a pending one is refused', async () => {
    const acct = await ownedAccount('Dismiss Hosting');
    const inv = (await acct.owner.post(`${API}/account/invites`, { email: uniqueEmail('dis'), permissions: ['domains'] })).json.invite;
    const early = await acct.owner.post(`${API}/account/invites/${inv.id}/dismiss`);
    assert.equal(early.status, 409);
    assert.equal(early.json.error.code, 'invite_pending');
    s.sql(`UPDATE invites SET expires_at = now() - interval '1 second' WHERE id = ${inv.id}`);
    assert.equal((await acct.owner.get(`${API}/account/users`)).json.expired_invites.length, 1);
    const r = await acct.owner.post(`${API}/account/invites/${inv.id}/dismiss`);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.invite.status, 'cancelled');
    const list = (await acct.owner.get(`${API}/account/users`)).json;
    assert.deepEqual([...list.invites, ...list.expired_invites, ...list.declined_invites], []);
    const again = await acct.owner.post(`${API}/account/invites/${inv.id}/dismiss`);
    assert.equal(again.status, 200, 'dismissing twice answers it unchanged');
    assert.equal(Number(s.sql(`SELECT count(*) FROM audit_log WHERE client_id = ${acct.client.id} AND action = 'invite_dismissed'`)[0][0]), 1);
    const [plain] = await addMember(acct, ['domains']);
    assert.equal((await plain.post(`${API}/account/invites/${inv.id}/dismiss`)).status, 403);
  });
});

describe('POST /invites/decline', () => {
  test('the invitee declines: the link is dead, the inviter sees it declined', async () => {
    const acct = await ownedAccount('Decline Hosting');
    const email = uniqueEmail('decl');
    const inv = (await acct.owner.post(`${API}/account/invites`, { email, permissions: ['domains'] })).json.invite;
    const token = await mailLink(email);
    const anon = new Client(s.url);
    const r = await anon.post(`${API}/invites/decline`, { token });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.invite.status, 'declined');
    assert.equal(r.json.invite.client_name, 'Decline Hosting');

    for (const path of ['lookup', 'decline']) {
      const x = await anon.post(`${API}/invites/${path}`, { token });
      assert.equal(x.status, 410, path);
      assert.equal(x.json.error.code, 'invite_cancelled');
      assert.match(x.json.error.message, /declined/);
    }
    const acc = await anon.post(`${API}/invites/accept`, { token, register: { email, password: PASSWORD, first_name: 'D', last_name: 'E' } });
    assert.equal(acc.status, 410, 'decline then accept is refused');
    assert.equal(acc.json.error.code, 'invite_cancelled');
    const [signedIn] = await registerUser(s);
    const acc2 = await signedIn.post(`${API}/invites/accept`, { token });
    assert.equal(acc2.status, 410);
    assert.equal(s.sql(`SELECT count(*) FROM users WHERE lower(email) = lower('${email}')`)[0][0], '0');

    const list = (await acct.owner.get(`${API}/account/users`)).json;
    assert.deepEqual(list.invites, []);
    assert.deepEqual(list.declined_invites.map((i) => [i.id, i.status]), [[inv.id, 'declined']]);
    const act = (await acct.owner.get(`${API}/account/activity`)).json.entries[0];
    assert.equal(act.action, 'invite_declined');
    assert.equal(act.actor.kind, 'anonymous');
    assert.equal(act.actor.name, email);
    assert.equal(act.details.invite_id, inv.id);

    assert.equal((await acct.owner.post(`${API}/account/invites/${inv.id}/resend`)).json.error.code, 'invite_cancelled');
    assert.equal((await acct.owner.post(`${API}/account/invites/${inv.id}/cancel`)).json.error.code, 'invite_cancelled');
    const d = await acct.owner.post(`${API}/account/invites/${inv.id}/dismiss`);
    assert.equal(d.status, 200);
    assert.equal(d.json.invite.status, 'declined', 'dismissed, the answer stays on record');
    assert.deepEqual((await acct.owner.get(`${API}/account/users`)).json.declined_invites, []);
    // the address may be invited again
    assert.equal((await acct.owner.post(`${API}/account/invites`, { email, permissions: ['domains'] })).status, 201);
  });

  test('a signed-in invitee declines as themselves, with the CSRF token', async () => {
    const acct = await ownedAccount('Decline Signed In');
    const email = uniqueEmail('signed');
    assert.equal((await acct.owner.post(`${API}/account/invites`, { email, permissions: ['domains'] })).status, 201);
    const token = await mailLink(email);
    const [c, u] = await registerUser(s, { email });
    const noCsrf = await c.post(`${API}/invites/decline`, { token }, { csrf: false });
    assert.equal(noCsrf.status, 403);
    assert.equal(noCsrf.json.error.code, 'csrf_failed');
    assert.equal((await c.post(`${API}/invites/decline`, { token })).status, 200);
    const act = (await acct.owner.get(`${API}/account/activity`)).json.entries[0];
    assert.equal(act.action, 'invite_declined');
    assert.deepEqual(act.actor, { kind: 'user', id: u.id, name: email });
  });

  test('unknown, malformed, accepted and expired links', async () => {
    const anon = new Client(s.url);
    assert.equal((await anon.post(`${API}/invites/decline`, { token: 'A'.repeat(43) })).json.error.code, 'invite_not_found');
    assert.equal((await anon.post(`${API}/invites/decline`, { token: 'short' })).json.error.code, 'invite_not_found');
    assert.equal((await anon.post(`${API}/invites/decline`, {})).status, 422);
    const acct = await ownedAccount('Decline States');
    const email = uniqueEmail('late');
    const inv = (await acct.owner.post(`${API}/account/invites`, { email, permissions: ['domains'] })).json.invite;
    const token = await mailLink(email);
    s.sql(`UPDATE invites SET expires_at = now() - interval '1 second' WHERE id = ${inv.id}`);
    assert.equal((await anon.post(`${API}/invites/decline`, { token })).json.error.code, 'invite_expired');
  });
});

describe('GET /me: whom a member asks', () => {
  test('each account names its owner', async () => {
    const acct = await ownedAccount('Owner Named', { first_name: 'Olga', last_name: 'Owner' });
    const [plain] = await addMember(acct, ['domains']);
    const me = await plain.get(`${API}/me`);
    const a = me.json.accounts.find((x) => x.client_id === acct.client.id);
    assert.equal(a.owner_name, 'Olga Owner');
    // an owner without a name (created by Associate User) is named by address
    const bare = uniqueEmail('bare');
    const m = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { email: bare, permissions: ['domains'], send_invite: false });
    assert.equal(m.status, 201, m.text);
    assert.equal((await admin.post(`${API}/admin/clients/${acct.client.id}/owner`, { user_id: m.json.member.user_id })).status, 200);
    const again = (await plain.get(`${API}/me`)).json.accounts.find((x) => x.client_id === acct.client.id);
    assert.equal(again.owner_name, bare);
  });
});

describe('Admin Area: Create new user takes a name', () => {
  test('the user created at once has it, and the invitation greets it', async () => {
    const acct = await ownedAccount('Named Hosting');
    const nora = uniqueEmail('nora');
    const r = await admin.post(`${API}/admin/clients/${acct.client.id}/users`,
      { email: nora, first_name: 'Nora', last_name: 'New', permissions: ['domains'], send_invite: false });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.member.first_name, 'Nora');
    assert.equal(r.json.member.last_name, 'New');
    // the reset link she needs first greets her by name, not "Hello nora@..."
    assert.equal((await new Client(s.url).post(`${API}/auth/password-reset`, { email: nora })).status, 202);
    const reset = await s.waitForMail((raw) => raw.includes(nora) && raw.includes('Password Reset'));
    assert.match(reset.raw, /Hello Nora,/);

    const ivan = uniqueEmail('ivan');
    const inv = await admin.post(`${API}/admin/clients/${acct.client.id}/users`,
      { email: ivan, first_name: 'Ivan', last_name: 'Invitee', permissions: ['domains'], send_invite: true });
    assert.equal(inv.status, 201, inv.text);
    const mail = await s.waitForMail((raw) => raw.includes(ivan) && raw.includes('Account Access Invitation'));
    assert.match(mail.raw, /Hello Ivan,/);
    assert.doesNotMatch(mail.raw, /^Hello,/m);
    const bad = await admin.post(`${API}/admin/clients/${acct.client.id}/users`,
      { email: uniqueEmail('x'), first_name: 'x'.repeat(101), permissions: ['domains'], send_invite: false });
    assert.equal(bad.status, 422);
    assert.equal(bad.json.error.field, 'first_name');
  });
});
