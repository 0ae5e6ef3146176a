// What an attack on the running stack found (issue 11), one story each:
// an address registered by someone else is never bound at once, a mailbox
// cannot be flooded with invitations, a delegate never acts on someone
// who can do more than it can, long UTF-8 names do not break an
// invitation, a database error that ends a request is logged, and an
// administrator without a name is not shown to invitees by their login.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { startStack } from '../lib/stack.mjs';
import {
  Client, PASSWORD, adminClient, linkFrom, registerUser, uniqueEmail,
} from '../lib/client.mjs';

const API = '/api/v1';
let s;
let admin;

before(async () => {
  s = await startStack({ workers: 4 });
  admin = await adminClient(s, uniqueEmail('admin'), 'Ada Admin');
});
after(async () => { await s?.stop(); });

async function ownedAccount(stack, adm, fields = {}) {
  const [owner, user] = await registerUser(stack, { first_name: 'Olga', last_name: 'Owner', ...fields });
  const r = await adm.post(`${API}/admin/clients`, {
    company_name: 'Acme ' + Date.now(), first_name: 'Olga', last_name: 'Owner', owner: { user_id: user.id },
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

const count = (q) => Number(s.sql(q)[0][0]);
const q = (v) => `'${String(v).replace(/'/g, "''")}'`;
// Let the resend cooldown pass without waiting for it.
const cooled = (stack, id) => stack.sql(`UPDATE invites SET last_sent_at = now() - interval '2 minutes' WHERE id = ${id}`);

describe('account pre-hijack: an unverified address is never bound at once', () => {
  test('owner {email} and send_invite:false by email are 409 email_unverified and write nothing; by user_id it is a choice, audited as such', async () => {
    const victim = uniqueEmail('ceo');
    const [attacker, squatter] = await registerUser(s, { email: victim, first_name: 'Eve', last_name: 'Attacker' });
    const company = 'Victim ' + Date.now();

    const clientsBefore = count('SELECT count(*) FROM clients');
    const create = await admin.post(`${API}/admin/clients`, { company_name: company, first_name: 'Cee', last_name: 'Eo', owner: { email: victim.toUpperCase() } });
    assert.equal(create.status, 409, create.text);
    assert.equal(create.json.error.code, 'email_unverified');
    assert.equal(create.json.error.field, 'owner.email');
    assert.equal(count('SELECT count(*) FROM clients'), clientsBefore, 'no client was created');
    assert.deepEqual((await attacker.get(`${API}/me`)).json.accounts, []);

    const acct = await ownedAccount(s, admin);
    const auditBefore = count(`SELECT count(*) FROM audit_log WHERE client_id = ${acct.client.id}`);
    const bind = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { email: victim, permissions: 'all', send_invite: false });
    assert.equal(bind.status, 409, bind.text);
    assert.equal(bind.json.error.code, 'email_unverified');
    assert.equal(bind.json.error.field, 'email');
    assert.equal(count(`SELECT count(*) FROM client_users WHERE user_id = ${squatter.id}`), 0);
    assert.equal(count(`SELECT count(*) FROM audit_log WHERE client_id = ${acct.client.id}`), auditBefore, 'nothing audited');
    assert.deepEqual((await attacker.get(`${API}/me`)).json.accounts, [], 'the squatter got nothing');

    // the way out the Admin Area offers: an invitation to that mailbox
    const invite = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { email: victim, permissions: 'all', send_invite: true });
    assert.equal(invite.status, 201, invite.text);
    assert.equal(invite.json.invite.email, victim);

    // a new address still becomes a user without a password, audited as bound by email
    const fresh = uniqueEmail('fresh');
    const made = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { email: fresh, permissions: ['domains'], send_invite: false });
    assert.equal(made.status, 201, made.text);
    const byEmail = s.sql(`SELECT details->>'bound_by', details->>'user_created' FROM audit_log WHERE client_id = ${acct.client.id} AND action = 'member_added' AND details->>'email' = ${q(fresh)}`);
    assert.deepEqual(byEmail, [['email', 'true']]);

    // a verified address is bound by email as before
    const [, verified] = await registerUser(s);
    s.sql(`UPDATE users SET email_verified_at = now() WHERE id = ${verified.id}`);
    const ok = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { email: verified.email, permissions: ['domains'], send_invite: false });
    assert.equal(ok.status, 201, ok.text);

    // picking the user by id is the administrator's deliberate choice
    const [, other] = await registerUser(s);
    const chosen = await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { user_id: other.id, permissions: ['domains'], send_invite: false });
    assert.equal(chosen.status, 201, chosen.text);
    const byId = s.sql(`SELECT details->>'bound_by' FROM audit_log WHERE client_id = ${acct.client.id} AND action = 'member_added' AND (details->>'user_id')::bigint = ${other.id}`);
    assert.deepEqual(byId, [['user_id']]);
    const owned = await admin.post(`${API}/admin/clients`, { company_name: company, first_name: 'Cee', last_name: 'Eo', owner: { user_id: squatter.id } });
    assert.equal(owned.status, 201, owned.text);
    const created = s.sql(`SELECT details->>'owner_bound_by' FROM audit_log WHERE client_id = ${owned.json.client.id} AND action = 'client_created'`);
    assert.deepEqual(created, [['user_id']]);
  });
});

describe('invitation flooding: invitation emails are capped over time', () => {
  test('invite and cancel in a loop to one address: after 5 sends in a day 429 invite_limit with Retry-After, across accounts too', async () => {
    const acct = await ownedAccount(s, admin);
    const victim = uniqueEmail('victim');
    let last;
    for (let i = 0; i < 5; i++) {
      const r = await acct.owner.post(`${API}/account/invites`, { email: victim, permissions: ['domains'] });
      assert.equal(r.status, 201, `send ${i + 1}: ${r.text}`);
      last = r.json.invite;
      assert.equal((await acct.owner.post(`${API}/account/invites/${last.id}/cancel`)).status, 200);
    }
    const sixth = await acct.owner.post(`${API}/account/invites`, { email: victim, permissions: ['domains'] });
    assert.equal(sixth.status, 429, sixth.text);
    assert.equal(sixth.json.error.code, 'invite_limit');
    const wait = Number(sixth.headers.get('retry-after'));
    assert.ok(wait > 86000 && wait <= 86400, `Retry-After ${sixth.headers.get('retry-after')}: until the oldest send is a day old`);

    // the cap is the recipient's, whoever sends: another account, an administrator
    const other = await ownedAccount(s, admin);
    const fromOther = await other.owner.post(`${API}/account/invites`, { email: victim.toUpperCase(), permissions: ['domains'] });
    assert.equal(fromOther.status, 429);
    assert.equal(fromOther.json.error.code, 'invite_limit');
    const fromAdmin = await admin.post(`${API}/admin/clients/${other.client.id}/users`, { email: victim, permissions: ['domains'], send_invite: true });
    assert.equal(fromAdmin.status, 429);
    assert.ok(Number(fromAdmin.headers.get('retry-after')) > 0);
    assert.equal(count(`SELECT count(*) FROM email_queue WHERE template = 'invite' AND lower(recipient) = lower(${q(victim)})`), 5, 'five emails, no more');
    assert.equal(count(`SELECT count(*) FROM invites WHERE lower(email) = lower(${q(victim)}) AND status = 'pending'`), 0, 'nothing half written');

    // a resend is a send too
    const other2 = uniqueEmail('victim2');
    const inv = (await acct.owner.post(`${API}/account/invites`, { email: other2, permissions: ['domains'] })).json.invite;
    for (let i = 0; i < 4; i++) {
      cooled(s, inv.id);
      assert.equal((await acct.owner.post(`${API}/account/invites/${inv.id}/resend`)).status, 200, `resend ${i + 1}`);
    }
    cooled(s, inv.id);
    const tooMany = await acct.owner.post(`${API}/account/invites/${inv.id}/resend`);
    assert.equal(tooMany.status, 429, tooMany.text);
    assert.equal(tooMany.json.error.code, 'invite_limit');
    assert.ok(Number(tooMany.headers.get('retry-after')) > 0);
  });

  test('parallel invitations to one address from many accounts: exactly 5 go out', async () => {
    const [, owner] = await registerUser(s);
    const ids = [];
    for (let i = 0; i < 8; i++) {
      const r = await admin.post(`${API}/admin/clients`, { company_name: `Par ${i} ${Date.now()}`, first_name: 'P', last_name: 'Q', owner: { user_id: owner.id } });
      assert.equal(r.status, 201, r.text);
      ids.push(r.json.client.id);
    }
    const victim = uniqueEmail('parallel');
    const answers = await Promise.all(ids.map((id) =>
      admin.post(`${API}/admin/clients/${id}/users`, { email: victim, permissions: ['domains'], send_invite: true })));
    const codes = answers.map((r) => r.status).sort();
    assert.deepEqual(codes, [201, 201, 201, 201, 201, 429, 429, 429], answers.map((r) => r.text).join('\n'));
    assert.equal(count(`SELECT count(*) FROM email_queue WHERE template = 'invite' AND recipient = ${q(victim)}`), 5);
  });

  describe('per account', () => {
    let s2;
    let admin2;
    before(async () => {
      s2 = await startStack({ workers: 2, conf: 'invite_sends_per_day = 3' });
      admin2 = await adminClient(s2, uniqueEmail('admin'), 'Ada Admin');
    });
    after(async () => { await s2?.stop(); });

    test('invite_sends_per_day counts creates and resends of one account; other accounts are not affected', async () => {
      const acct = await ownedAccount(s2, admin2);
      const a = (await acct.owner.post(`${API}/account/invites`, { email: uniqueEmail('a'), permissions: ['domains'] })).json.invite;
      assert.ok(a, 'first invite');
      assert.equal((await admin2.post(`${API}/admin/clients/${acct.client.id}/users`, { email: uniqueEmail('b'), permissions: ['domains'], send_invite: true })).status, 201);
      cooled(s2, a.id);
      assert.equal((await acct.owner.post(`${API}/account/invites/${a.id}/resend`)).status, 200, 'the third send');
      const fourth = await acct.owner.post(`${API}/account/invites`, { email: uniqueEmail('c'), permissions: ['domains'] });
      assert.equal(fourth.status, 429, fourth.text);
      assert.equal(fourth.json.error.code, 'invite_limit');
      const wait = Number(fourth.headers.get('retry-after'));
      assert.ok(wait > 86000 && wait <= 86400, `Retry-After ${wait}`);
      cooled(s2, a.id);
      const resend = await acct.owner.post(`${API}/account/invites/${a.id}/resend`);
      assert.equal(resend.status, 429);
      assert.equal(resend.json.error.code, 'invite_limit');

      const other = await ownedAccount(s2, admin2);
      assert.equal((await other.owner.post(`${API}/account/invites`, { email: uniqueEmail('d'), permissions: ['domains'] })).status, 201);
    });

    test('parallel invitations of one account never overshoot its cap', async () => {
      const acct = await ownedAccount(s2, admin2);
      const answers = await Promise.all(Array.from({ length: 6 }, (_, i) =>
        acct.owner.post(`${API}/account/invites`, { email: uniqueEmail(`p${i}`), permissions: ['domains'] })));
      const codes = answers.map((r) => r.status).sort();
      assert.deepEqual(codes, [201, 201, 201, 429, 429, 429], answers.map((r) => r.text).join('\n'));
    });
  });
});

describe('delegate reach: only members and invitations within its own permissions', () => {
  test('a delegate cannot change, remove, resend or cancel anyone who can do more; within its own permissions it can', async () => {
    const acct = await ownedAccount(s, admin);
    const [d, du] = await addMember(acct, ['users', 'domains', 'invoices']);
    const [, big] = await addMember(acct, 'all');
    const [, small] = await addMember(acct, ['domains']);

    const ownerInv = (await acct.owner.post(`${API}/account/invites`, { email: uniqueEmail('t'), permissions: ['tickets'] })).json.invite;
    const adminInv = (await admin.post(`${API}/admin/clients/${acct.client.id}/users`, { email: uniqueEmail('all'), permissions: 'all', send_invite: true })).json.invite;
    cooled(s, ownerInv.id);
    cooled(s, adminInv.id);

    const refused = [
      ['cancel the owner\'s tickets invitation', () => d.post(`${API}/account/invites/${ownerInv.id}/cancel`)],
      ['cancel the admin\'s all-permissions invitation', () => d.post(`${API}/account/invites/${adminInv.id}/cancel`)],
      ['resend the owner\'s invitation', () => d.post(`${API}/account/invites/${ownerInv.id}/resend`)],
      ['resend the admin\'s invitation', () => d.post(`${API}/account/invites/${adminInv.id}/resend`)],
      ['trim a member with all 14 permissions', () => d.patch(`${API}/account/users/${big.id}`, { permissions: ['domains'] })],
      ['remove a member with all 14 permissions', () => d.del(`${API}/account/users/${big.id}`)],
    ];
    for (const [what, act] of refused) {
      const r = await act();
      assert.equal(r.status, 403, `${what}: ${r.text}`);
      assert.equal(r.json.error.code, 'forbidden', what);
    }
    assert.deepEqual(s.sql(`SELECT status FROM invites WHERE id IN (${ownerInv.id}, ${adminInv.id})`), [['pending'], ['pending']]);
    assert.equal(s.sql(`SELECT cardinality(permissions) FROM client_users WHERE user_id = ${big.id}`)[0][0], '14');

    // within its own permissions
    const mine = (await acct.owner.post(`${API}/account/invites`, { email: uniqueEmail('m'), permissions: ['domains', 'invoices'] })).json.invite;
    cooled(s, mine.id);
    assert.equal((await d.post(`${API}/account/invites/${mine.id}/resend`)).status, 200);
    assert.equal((await d.post(`${API}/account/invites/${mine.id}/cancel`)).status, 200);
    const p = await d.patch(`${API}/account/users/${small.id}`, { permissions: ['domains', 'invoices'] });
    assert.equal(p.status, 200, p.text);
    assert.equal((await d.del(`${API}/account/users/${small.id}`)).status, 204);
    // and over itself: it may give up users, and then manages no one
    const self = await d.patch(`${API}/account/users/${du.id}`, { permissions: ['domains'] });
    assert.equal(self.status, 200, self.text);
    assert.equal((await d.get(`${API}/account/users`)).status, 403);
  });
});

describe('long UTF-8 names and database errors', () => {
  test('a first name of 99 é and an x, a last name of 100 é: the invitation goes out whole', async () => {
    const first = 'é'.repeat(99) + 'x';
    const last = 'é'.repeat(100);
    const [owner, user] = await registerUser(s, { first_name: first, last_name: last });
    const made = await admin.post(`${API}/admin/clients`, { first_name: first, last_name: last, owner: { user_id: user.id } });
    assert.equal(made.status, 201, made.text);
    assert.equal((await owner.post(`${API}/me/active-account`, { client_id: made.json.client.id })).status, 200);
    const email = uniqueEmail('long');
    const r = await owner.post(`${API}/account/invites`, { email, permissions: ['domains'] });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.invite.invited_by.name, `${first} ${last}`);
    const fromAdmin = await admin.post(`${API}/admin/clients/${made.json.client.id}/users`, { email: uniqueEmail('long'), permissions: ['domains'], send_invite: true });
    assert.equal(fromAdmin.status, 201, fromAdmin.text);

    const m = await s.waitForMail((raw) => raw.includes(email));
    const mail = await simpleParser(m.raw);
    assert.ok(mail.text.includes(`${first} ${last} has invited you`), mail.text.slice(0, 300));
    assert.ok(!mail.subject.includes('\ufffd') && !mail.text.includes('\ufffd'), 'no broken character');
    const look = await new Client(s.url).post(`${API}/invites/lookup`, { token: linkFrom(m.raw, '/invite').split('#')[1] });
    assert.equal(look.status, 200);
    assert.equal(look.json.invite.inviter_name, `${first} ${last}`);
    assert.equal(look.json.invite.client_name, `${first} ${last}`);
  });

  test('a request that ends with a database error the schema raised logs it once, with its SQLSTATE and no parameters', async () => {
    const acct = await ownedAccount(s, admin);
    const marker = `refused${Date.now()}`;
    s.sql(`ALTER TABLE invites ADD CONSTRAINT test_refuse CHECK (email NOT LIKE '${marker}%') NOT VALID`);
    try {
      const email = `${marker}@example.com`;
      const r = await acct.owner.post(`${API}/account/invites`, { email, permissions: ['domains'] });
      assert.equal(r.status, 500, r.text);
      assert.equal(r.json.error.code, 'internal');
      const log = s.log('memberd.log');
      const lines = log.split('\n').filter((l) => /sqlstate=23514\b/.test(l));
      assert.equal(lines.length, 1, `one line with the SQLSTATE:\n${log.slice(-3000)}`);
      assert.match(lines[0], /warn: /);
      assert.match(lines[0], /\(request [0-9a-f-]+\)/, 'it names the request');
      assert.match(lines[0], /test_refuse/);
      assert.ok(!log.includes(marker + '@'), 'the address (a parameter) is not logged');
    } finally {
      s.sql('ALTER TABLE invites DROP CONSTRAINT test_refuse');
    }
  });
});

describe('an administrator without a name', () => {
  test('invitees see "an administrator of" the site, never the staff address', async () => {
    const email = uniqueEmail('staff');
    const add = s.memberctl(['admin', 'add', email], { input: `${PASSWORD}\n` });
    assert.equal(add.status, 0, add.stderr);
    const nameless = new Client(s.url);
    assert.equal((await nameless.post(`${API}/admin/auth/login`, { email, password: PASSWORD })).status, 200);
    const acct = await ownedAccount(s, admin);
    const to = uniqueEmail('invitee');
    const r = await nameless.post(`${API}/admin/clients/${acct.client.id}/users`, { email: to, permissions: ['domains'], send_invite: true });
    assert.equal(r.status, 201, r.text);
    assert.notEqual(r.json.invite.invited_by.name, email);

    const m = await s.waitForMail((raw) => raw.includes(to));
    const mail = await simpleParser(m.raw);
    assert.ok(!m.raw.toLowerCase().includes(email.toLowerCase().split('@')[0]), 'the staff address is nowhere in the email');
    assert.match(mail.text, /An administrator of memberd has invited you/);
    const look = await new Client(s.url).post(`${API}/invites/lookup`, { token: linkFrom(m.raw, '/invite').split('#')[1] });
    assert.equal(look.status, 200);
    assert.equal(look.json.invite.inviter_name, 'an administrator of memberd');
    assert.equal(look.json.invite.inviter_kind, 'admin');

    // a resend by a named administrator keeps the invitation's sender
    cooled(s, r.json.invite.id);
    assert.equal((await admin.post(`${API}/admin/invites/${r.json.invite.id}/resend`)).status, 200);
    const again = await new Client(s.url).post(`${API}/invites/lookup`, { token: linkFrom((await s.waitForMail((raw) => raw.includes(to) && !raw.includes(linkFrom(m.raw, '/invite').split('#')[1]))).raw, '/invite').split('#')[1] });
    assert.equal(again.json.invite.inviter_name, 'an administrator of memberd');
  });
});
