// Reload (SIGHUP, and `memberd -r PID`, the unit's ExecReload) never leaves
// memberd worse than before: new workers must connect to the database
// before the old ones go; a configuration that does not load, or workers
// that cannot connect (a changed credential), keep the old workers
// serving and make `memberd -r` exit 1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { sleep, startStack, waitFor } from '../lib/stack.mjs';

let s;
let original;
before(async () => {
  s = await startStack({ workers: 2, mailer: false, catcher: false });
  original = fs.readFileSync(s.confPath, 'utf8');
});
after(async () => {
  if (original !== undefined) fs.writeFileSync(s.confPath, original);
  await s?.stop();
});

const health = async () => (await s.api('/api/v1/health')).status;
const reloadCmd = (conf = s.confPath) => spawnSync(path.join(s.bin, 'memberd'),
  ['-c', conf, '-r', String(s.memberdPid())], { env: s.env, encoding: 'utf8', timeout: 60000 });
const samePids = (a, b) => a.length === b.length && a.every((p) => b.includes(p));
// The workers, once those retired by the last reload have exited.
const settled = async () => {
  await waitFor('two workers', () => s.workerPids().length === 2, { timeout: 10000 });
  return s.workerPids();
};

test('memberd -r: a good configuration replaces every worker and exits 0', async () => {
  const old = s.workerPids();
  const r = reloadCmd();
  assert.equal(r.status, 0, r.stderr);
  await waitFor('old workers gone', () => s.workerPids().length === 2 && !s.workerPids().some((p) => old.includes(p)));
  assert.equal(await health(), 200);
});

test('workers that cannot connect to the database do not replace the running ones (SIGHUP)', async () => {
  // A role that does not exist stands for a rotated password the running
  // service cannot have: the new workers cannot log in.
  fs.writeFileSync(s.confPath, original + '\ndb_user = nosuchrole\n');
  try {
    const old = await settled();
    process.kill(s.memberdPid(), 'SIGHUP');
    await waitFor('the failure logged', () => /reload failed, 2 workers keep the running configuration: 2 of 2 new workers could not connect/.test(s.log('memberd.log')), { timeout: 30000 });
    await waitFor('only the old workers left', () => samePids(s.workerPids(), old), { timeout: 5000 });
    for (let i = 0; i < 10; i++) assert.equal(await health(), 200);
  } finally {
    fs.writeFileSync(s.confPath, original);
  }
});

test('memberd -r exits 1 when the new workers cannot connect, and the old ones keep serving', async () => {
  const alt = path.join(s.dir, 'checked.conf');
  fs.writeFileSync(alt, original);
  fs.writeFileSync(s.confPath, original + '\ndb_user = nosuchrole\n');
  try {
    const old = await settled();
    const r = reloadCmd(alt);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /reload failed: the running workers stay/);
    // The new workers, told to go, may take a moment to exit.
    await waitFor('only the old workers left', () => samePids(s.workerPids(), old), { timeout: 5000 });
    assert.equal(await health(), 200);
  } finally {
    fs.writeFileSync(s.confPath, original);
  }
  // And once the configuration is right again, the next reload works.
  assert.equal(reloadCmd().status, 0);
  assert.equal(await health(), 200);
});

test('a configuration that does not load: memberd -r refuses before signalling; SIGHUP keeps the old workers', async () => {
  fs.writeFileSync(s.confPath, original + '\nno_such_key = 1\n');
  try {
    const old = await settled();
    const logBefore = s.log('memberd.log').length;
    const r = reloadCmd();
    assert.equal(r.status, 1);
    assert.match(r.stderr, /no_such_key/);
    await sleep(300);
    assert.doesNotMatch(s.log('memberd.log').slice(logBefore), /reload/, 'memberd -r signalled anyway');
    process.kill(s.memberdPid(), 'SIGHUP');
    await waitFor('the refusal logged', () => /reload failed, 2 workers keep the running configuration: .*no_such_key/.test(s.log('memberd.log')));
    assert.ok(samePids(s.workerPids(), old), 'a configuration that does not load started workers');
    assert.equal(await health(), 200);
  } finally {
    fs.writeFileSync(s.confPath, original);
  }
});

test('a plain SIGHUP (kill -HUP) gets no answer signal, and memberd -r rejects a bad pid', async () => {
  // memberd answers only a SIGHUP queued by memberd -r: kill(1)'s sender
  // must not receive a SIGUSR1 it did not ask for (it would die of it).
  const sh = spawnSync('sh', ['-c', `kill -HUP ${s.memberdPid()}; sleep 2; echo alive`], { encoding: 'utf8' });
  assert.equal(sh.stdout.trim(), 'alive');
  const r = spawnSync(path.join(s.bin, 'memberd'), ['-c', s.confPath, '-r', 'x'], { env: s.env, encoding: 'utf8' });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /not a process id/);
  await waitFor('health', async () => (await health()) === 200);
});
