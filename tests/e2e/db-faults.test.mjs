// The database misbehaving under idle and busy workers: a restart or a
// terminated session must not cost the next request of any worker, a held
// lock must cost 503 within db_lock_timeout (not a worker blocked for
// ever) while /health says what is wrong, and a request whose transaction
// loses its connection fails whole.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startStack, sleep, waitFor } from '../lib/stack.mjs';
import { adminClient, registerUser, uniqueEmail } from '../lib/client.mjs';

const API = '/api/v1';
const WORKERS = 3;
const LOCK_TIMEOUT_MS = 3000;
let s;
let acct;

before(async () => {
  s = await startStack({
    workers: WORKERS,
    mailer: false,
    conf: `db_lock_timeout = ${LOCK_TIMEOUT_MS}ms\ndb_statement_timeout = 6s`,
  });
  const admin = await adminClient(s);
  const [owner, user] = await registerUser(s, { first_name: 'Olga', last_name: 'Owner' });
  const r = await admin.post(`${API}/admin/clients`, {
    company_name: 'Faulty DB Ltd', first_name: 'Olga', last_name: 'Owner', owner: { user_id: user.id },
  });
  assert.equal(r.status, 201, r.text);
  assert.equal((await owner.post(`${API}/me/active-account`, { client_id: r.json.client.id })).status, 200);
  acct = { owner, client: r.json.client };
});
after(async () => { await s?.stop(); });

// Rounds of concurrent requests, so that every idle worker gets one: the
// statuses of health and of an authenticated GET /me.
async function burst(rounds = 4) {
  const statuses = [];
  for (let i = 0; i < rounds; i++) {
    const batch = [];
    for (let w = 0; w < WORKERS; w++) {
      batch.push(s.api(`${API}/health`).then((r) => r.status));
      batch.push(acct.owner.get(`${API}/me`).then((r) => r.status));
    }
    statuses.push(...await Promise.all(batch));
  }
  return statuses;
}

const memberdSessions = () => Number(s.sql(
  "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'memberd'", { user: 'postgres' })[0][0]);

function terminateMemberd() {
  return Number(s.sql(
    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'memberd'",
    { user: 'postgres' })[0][0]);
}

// A psql session holding a row lock on the account: the invite transaction
// waits for it (clients_lock) after its BEGIN.
async function holdAccountLock() {
  const psql = spawn('psql', ['-X', '-q', '-h', '127.0.0.1', '-p', String(s.pgPort), '-U', 'memberd', 'memberd'],
    { stdio: ['pipe', 'ignore', 'inherit'] });
  psql.stdin.write(`SET application_name = 'locker'; BEGIN; SELECT 1 FROM clients WHERE id = ${acct.client.id} FOR UPDATE;\n`);
  await waitFor('the lock to be held', () => s.sql(
    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'locker' AND state = 'idle in transaction'")[0][0] === '1');
  return {
    release: () => new Promise((resolve) => { psql.on('exit', resolve); psql.stdin.end('COMMIT;\n'); }),
  };
}

const waitingOnLock = () => Number(s.sql(
  "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'memberd' AND wait_event_type = 'Lock'")[0][0]);

const invitesTo = (email) => Number(s.sql(`SELECT count(*) FROM invites WHERE email = '${email}'`)[0][0]);

test('idle workers answer 200 right after pg_ctl restart -m fast', async () => {
  assert.deepEqual([...new Set(await burst(1))], [200]);
  await waitFor('every worker connected', () => memberdSessions() >= WORKERS);
  s.pgRestart('fast');
  assert.deepEqual([...new Set(await burst())], [200]);
});

test('idle workers answer 200 right after pg_ctl restart -m immediate', async () => {
  await waitFor('every worker connected', () => memberdSessions() >= WORKERS);
  s.pgRestart('immediate');
  assert.deepEqual([...new Set(await burst())], [200]);
});

test("idle workers answer 200 right after pg_terminate_backend of memberd's sessions", async () => {
  await waitFor('every worker connected', () => memberdSessions() >= WORKERS);
  assert.ok(terminateMemberd() >= WORKERS);
  assert.deepEqual([...new Set(await burst())], [200]);
});

test('a lock held on clients: 503 within db_lock_timeout, /health says why, then recovery', async () => {
  const lock = await holdAccountLock();
  const email = uniqueEmail('locked');
  const t0 = Date.now();
  const pending = acct.owner.post(`${API}/account/invites`, { email, permissions: ['quotes'] });
  // while the request waits, health tells a load balancer what is wrong
  const health = await waitFor('/health to report the wait', async () => {
    const h = await s.api(`${API}/health`);
    return h.status === 503 ? h : false;
  }, { timeout: LOCK_TIMEOUT_MS + 2000, interval: 100 });
  assert.equal(health.json.error.code, 'unavailable');
  assert.match(health.json.error.message, /lock/i);
  assert.ok(Number(health.headers.get('retry-after')) >= 1);

  const r = await pending;
  const elapsed = Date.now() - t0;
  assert.equal(r.status, 503, r.text);
  assert.equal(r.json.error.code, 'unavailable');
  assert.ok(Number(r.headers.get('retry-after')) >= 1, 'Retry-After');
  assert.ok(elapsed >= LOCK_TIMEOUT_MS - 100, `answered after ${elapsed} ms, before the lock timeout`);
  assert.ok(elapsed < LOCK_TIMEOUT_MS + 3000, `answered after ${elapsed} ms`);
  assert.equal(invitesTo(email), 0);
  assert.match(s.log('memberd.log'), /lock timeout|canceling statement due to lock timeout/);

  // nothing waits any more: health is back although the lock is still held
  await waitFor('health 200 once nobody waits', async () => (await s.api(`${API}/health`)).status === 200);
  await lock.release();
  const again = await acct.owner.post(`${API}/account/invites`, { email, permissions: ['quotes'] });
  assert.equal(again.status, 201, again.text);
  assert.equal(invitesTo(email), 1);
  assert.deepEqual([...new Set(await burst(2))], [200]);
});

test('a request inside its transaction when the connection drops: 503, nothing written', async () => {
  const lock = await holdAccountLock();
  const email = uniqueEmail('dropped');
  const pending = acct.owner.post(`${API}/account/invites`, { email, permissions: ['quotes'] });
  await waitFor('the invite to wait inside its transaction', () => waitingOnLock() === 1,
    { timeout: LOCK_TIMEOUT_MS - 500, interval: 50 });
  assert.ok(terminateMemberd() >= WORKERS);
  const r = await pending;
  assert.equal(r.status, 503, r.text);
  assert.equal(r.json.error.code, 'unavailable');
  await lock.release();
  await sleep(200);
  assert.equal(invitesTo(email), 0, 'half of the request was written');
  assert.equal(Number(s.sql(
    `SELECT count(*) FROM audit_log WHERE client_id = ${acct.client.id} AND details::text LIKE '%${email}%'`)[0][0]), 0);
  // and the workers are all back at once
  assert.deepEqual([...new Set(await burst())], [200]);
});
