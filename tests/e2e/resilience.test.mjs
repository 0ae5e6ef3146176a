// Workers survive what production throws at them: a database restart
// and a worker killed outright.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, sleep, waitFor } from '../lib/stack.mjs';

let s;
before(async () => { s = await startStack({ workers: 2, mailer: false }); });
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
  await waitFor('health 200 after the restart', async () => (await s.api('/api/v1/health')).status === 200);
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
