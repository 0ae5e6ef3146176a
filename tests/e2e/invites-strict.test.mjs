// A deployment that requires the invited address to accept
// (invite_accept = matching_verified_email), and the all-or-nothing rule:
// when any write of an access change fails, nothing of it remains.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../lib/stack.mjs';
import { Client, PASSWORD, adminClient, linkFrom, registerUser, uniqueEmail } from '../lib/client.mjs';

const API = '/api/v1';
let s;
let admin;
before(async () => {
  s = await startStack({ workers: 2, conf: 'invite_accept = matching_verified_email' });
  admin = await adminClient(s);
  // A trigger that makes the audit insert of marked changes fail.
  s.sql(`CREATE FUNCTION test_fail_audit() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN RAISE EXCEPTION 'injected failure'; END $$`);
  s.sql(`CREATE TRIGGER test_fail_audit BEFORE INSERT ON audit_log FOR EACH ROW
         WHEN (NEW.details::text LIKE '%boom%') EXECUTE FUNCTION test_fail_audit()`);
});
after(async () => { await s?.stop(); });

async function account() {
  const [owner, user] = await registerUser(s);
  const r = await admin.post(`${API}/admin/clients`, { company_name: 'Strict Co', first_name: 'S', last_name: 'C', owner: { user_id: user.id } });
  await owner.post(`${API}/me/active-account`, { client_id: r.json.client.id });
  return { owner, user, client: r.json.client };
}

async function invite(acct, email) {
  const r = await acct.owner.post(`${API}/account/invites`, { email, permissions: ['domains'] });
  assert.equal(r.status, 201, r.text);
  const m = await s.waitForMail((raw) => raw.includes(email));
  return linkFrom(m.raw, '/invite').split('#')[1];
}

test('only the invited address may accept, by signing in or registering', async () => {
  const acct = await account();
  const email = uniqueEmail('strict');
  const token = await invite(acct, email);
  const [stranger] = await registerUser(s);
  const no = await stranger.post(`${API}/invites/accept`, { token });
  assert.equal(no.status, 403);
  const noReg = await new Client(s.url).post(`${API}/invites/accept`, { token, register: { email: uniqueEmail(), password: PASSWORD, first_name: 'A', last_name: 'B' } });
  assert.equal(noReg.status, 403);
  const [invited, u] = await registerUser(s, { email: email.toUpperCase() });
  const yes = await invited.post(`${API}/invites/accept`, { token });
  assert.equal(yes.status, 200, yes.text);
  assert.equal(s.sql(`SELECT email_verified_at IS NOT NULL FROM users WHERE id = ${u.id}`)[0][0], 't');
});

test('a failing audit write leaves no invite and no email behind', async () => {
  const acct = await account();
  const email = uniqueEmail('boom');
  const mails = s.sql('SELECT count(*) FROM email_queue')[0][0];
  const r = await acct.owner.post(`${API}/account/invites`, { email, permissions: ['domains'] });
  assert.equal(r.status, 500);
  assert.equal(r.json.error.code, 'internal');
  assert.equal(s.sql(`SELECT count(*) FROM invites WHERE email = '${email}'`)[0][0], '0');
  assert.equal(s.sql('SELECT count(*) FROM email_queue')[0][0], mails);
});

test('a failing acceptance leaves no user, no membership, and the invite pending', async () => {
  const acct = await account();
  const invited = uniqueEmail('target');
  const token = await invite(acct, invited);
  // the accepted-audit row carries the invited address: make it fail
  s.sql(`UPDATE invites SET email = 'boom.' || email WHERE email = '${invited}'`);
  const newEmail = 'boom.' + invited;
  const r = await new Client(s.url).post(`${API}/invites/accept`, { token, register: { email: newEmail, password: PASSWORD, first_name: 'A', last_name: 'B' } });
  assert.equal(r.status, 500);
  assert.equal(s.sql(`SELECT count(*) FROM users WHERE email = '${newEmail}'`)[0][0], '0');
  assert.equal(s.sql(`SELECT status FROM invites WHERE email = '${newEmail}'`)[0][0], 'pending');
  assert.equal(s.sql(`SELECT count(*) FROM client_users WHERE client_id = ${acct.client.id}`)[0][0], '1');
});
