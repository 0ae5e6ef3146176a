// Workers survive what production throws at them: a database restart
// and a worker killed outright.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, sleep, waitFor } from '../lib/stack.mjs';

let s;
// The SIGTERM test holds a lock for seconds on purpose: above the lock
// timeout of the request path it would be a 503 (tests/e2e/db-faults).
before(async () => { s = await startStack({ workers: 2, mailer: false, conf: 'db_lock_timeout = 30s' }); });
after(async () => { await s?.stop(); });

test('health is 503 while PostgreSQL is down and 200 after, without restarting memberd', async () => {
  const pid = s.memberdPid();
  const workers = s.workerPids().sort();
  assert.equal((await s.api('/api/v1/health')).status, 200);

  s.pgStop();
  for (let i = 0; i < 6; i++) {
    const r = await s.api('/api/v1/health');
    assert.equal(r.status, 503);
    assert.equal(r.json.error.code, 'unavailable');
  }

  s.pgStart();
  // a worker retries its connection at most every 500 ms: wait until both
  // have had their turn
  await waitFor('health 200 after the restart, from every worker', async () => {
    for (let i = 0; i < 4; i++) if ((await s.api('/api/v1/health')).status !== 200) return false;
    return true;
  });
  // every worker reconnects, not only the first one asked
  for (let i = 0; i < 10; i++) assert.equal((await s.api('/api/v1/health')).status, 200);
  assert.equal(s.memberdPid(), pid, 'memberd was restarted');
  assert.deepEqual(s.workerPids().sort(), workers, 'workers were replaced instead of reconnecting');
});

test('a worker killed with SIGKILL is replaced and requests keep being answered', async () => {
  const before = s.workerPids();
  assert.equal(before.length, 2);
  process.kill(before[0], 'SIGKILL');
  await waitFor('a replacement worker', () => {
    const now = s.workerPids();
    return now.length === 2 && !now.includes(before[0]);
  });
  const statuses = [];
  for (let i = 0; i < 40; i++) statuses.push((await s.api('/api/v1/health')).status);
  assert.deepEqual([...new Set(statuses)], [200]);
  assert.match(s.log('memberd.log'), new RegExp(`worker ${before[0]} killed by signal 9`));
});

test('killing every worker at once still leaves a serving pool', async () => {
  for (const pid of s.workerPids()) process.kill(pid, 'SIGKILL');
  await sleep(100);
  await waitFor('health 200', async () => (await s.api('/api/v1/health')).status === 200);
  await waitFor('two workers again', () => s.workerPids().length === 2);
});

test('SIGTERM lets a request in flight finish, then memberd exits', async () => {
  const { spawn } = await import('node:child_process');
  // hold a lock that makes the next registration wait inside its transaction
  const psql = spawn('psql', ['-X', '-q', '-h', '127.0.0.1', '-p', String(s.pgPort), '-U', 'memberd', 'memberd'],
    { stdio: ['pipe', 'ignore', 'inherit'] });
  psql.stdin.write('BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(0);\n');
  await sleep(500);
  const pending = s.api('/api/v1/auth/register', {
    method: 'POST', body: { email: `inflight${Date.now()}@example.com`, password: 'correct horse battery', first_name: 'In', last_name: 'Flight' },
  });
  await sleep(1500);
  const pid = s.memberdPid();
  process.kill(pid, 'SIGTERM');
  await sleep(1000);
  assert.doesNotThrow(() => process.kill(pid, 0), 'memberd waits for the request in flight');
  psql.stdin.end('COMMIT;\n');
  const r = await pending;
  assert.equal(r.status, 201, r.text);
  await waitFor('memberd to exit', () => { try { process.kill(pid, 0); return false; } catch { return true; } });
  assert.match(s.log('memberd.log'), /stopped/);
});
