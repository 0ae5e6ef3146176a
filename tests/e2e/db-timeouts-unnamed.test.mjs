// db_statement_timeout with db_prepared_statements = false, where nothing
// is session-level: it must hold inside a transaction (SET LOCAL with the
// BEGIN) and for a statement outside one (set_config in the same implicit
// transaction), the two forms that survive PgBouncer's transaction pooling.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startStack, waitFor } from '../lib/stack.mjs';
import { adminClient, registerUser, uniqueEmail } from '../lib/client.mjs';

const API = '/api/v1';
const TIMEOUT_MS = 2000;
let s;
let acct;

before(async () => {
  s = await startStack({
    workers: 3,
    mailer: false,
    // no lock timeout: a lock wait is cut by the statement timeout
    conf: `db_prepared_statements = false\ndb_statement_timeout = ${TIMEOUT_MS}ms\ndb_lock_timeout = 0`,
  });
  const admin = await adminClient(s);
  const [owner, user] = await registerUser(s);
  const r = await admin.post(`${API}/admin/clients`, {
    company_name: 'Unnamed Ltd', first_name: 'Olga', last_name: 'Owner', owner: { user_id: user.id },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal((await owner.post(`${API}/me/active-account`, { client_id: r.json.client.id })).status, 200);
  acct = { owner, client: r.json.client };
});
after(async () => { await s?.stop(); });

async function hold(sql) {
  const psql = spawn('psql', ['-X', '-q', '-h', '127.0.0.1', '-p', String(s.pgPort), '-U', 'memberd', 'memberd'],
    { stdio: ['pipe', 'ignore', 'inherit'] });
  psql.stdin.write(`SET application_name = 'locker'; BEGIN; ${sql};\n`);
  await waitFor('the lock to be held', () => s.sql(
    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'locker' AND state = 'idle in transaction'")[0][0] === '1');
  return () => new Promise((resolve) => { psql.on('exit', resolve); psql.stdin.end('COMMIT;\n'); });
}

async function timed(p) {
  const t0 = Date.now();
  const r = await p;
  return { ...r, ms: Date.now() - t0 };
}

function assertTimedOut(r, what) {
  assert.equal(r.status, 503, `${what}: ${r.text}`);
  assert.equal(r.json.error.code, 'unavailable');
  assert.equal(r.headers.get('retry-after'), '5');
  assert.ok(r.ms >= TIMEOUT_MS - 100 && r.ms < TIMEOUT_MS + 3000, `${what} answered after ${r.ms} ms`);
}

test('inside a transaction: SET LOCAL statement_timeout cuts an invite waiting for a row lock', async () => {
  const release = await hold(`SELECT 1 FROM clients WHERE id = ${acct.client.id} FOR UPDATE`);
  const email = uniqueEmail('rowlock');
  const r = await timed(acct.owner.post(`${API}/account/invites`, { email, permissions: ['quotes'] }));
  assertTimedOut(r, 'the invite');
  // a plain read of the same row is not blocked
  assert.equal((await acct.owner.get(`${API}/me`)).status, 200);
  await release();
  assert.equal(Number(s.sql(`SELECT count(*) FROM invites WHERE email = '${email}'`)[0][0]), 0);
  assert.equal((await acct.owner.post(`${API}/account/invites`, { email, permissions: ['quotes'] })).status, 201);
  assert.match(s.log('memberd.log'), /timed out: canceling statement due to statement timeout/);
});

test('outside a transaction: the timeout travels with the statement itself', async () => {
  const release = await hold('LOCK TABLE clients IN ACCESS EXCLUSIVE MODE');
  const r = await timed(acct.owner.get(`${API}/me`));
  assertTimedOut(r, 'GET /me');
  await release();
  assert.equal((await acct.owner.get(`${API}/me`)).status, 200);
});
