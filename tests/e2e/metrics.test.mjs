// GET /metrics through nginx: a known number of requests, spread over
// both workers, counted exactly once each in the table the workers share;
// the counts survive a worker killed and a reload; the mail queue's
// gauges follow a known number of invitations (the mailer stopped, so
// they stay queued); the webhook gauges follow a known number of
// deliveries, queued, then delivered or dead by a real memberd-webhooks.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { adminClient } from '../lib/client.mjs';
import { startStack, waitFor } from '../lib/stack.mjs';

let s;
before(async () => { s = await startStack({ workers: 2, mailer: false }); });
after(async () => { await s?.stop(); });

// {"name{labels}": number} of one scrape
async function scrape() {
  const r = await s.api('/metrics');
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
  const m = {};
  for (const line of r.text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    m[line.slice(0, i)] = Number(line.slice(i + 1));
  }
  return m;
}

const HEALTH = 'method="GET",route="/api/v1/health"';
const healthOk = (m) => m[`memberd_http_requests_total{${HEALTH},status="200"}`] ?? 0;
const healthCount = (m) => m[`memberd_http_request_duration_seconds_count{${HEALTH}}`] ?? 0;
const healthInf = (m) => m[`memberd_http_request_duration_seconds_bucket{${HEALTH},le="+Inf"}`] ?? 0;
const workers = (m) => [m['memberd_workers{state="busy"}'], m['memberd_workers{state="idle"}']];

// The pid of the worker that served each request id, from its log line.
function servedBy(ids) {
  const log = s.log('memberd.log');
  const pids = new Set();
  for (const id of ids) {
    const m = log.match(new RegExp(`\\[(\\d+)\\] [a-z]+: req=${id} `));
    assert.ok(m, `no log line for request ${id}`);
    pids.add(Number(m[1]));
  }
  return pids;
}

test('200 requests over both workers are counted exactly, in the counter and the histogram', async () => {
  const before = await scrape();
  const ids = [];
  const N = 200;
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < N) {
      next += 1;
      const r = await s.api('/api/v1/health');
      assert.equal(r.status, 200);
      ids.push(r.headers.get('x-request-id'));
    }
  }));
  assert.equal(ids.length, N);
  const afterScrape = await scrape();
  assert.equal(healthOk(afterScrape) - healthOk(before), N);
  assert.equal(healthCount(afterScrape) - healthCount(before), N, 'the histogram counts each request once');
  assert.equal(healthInf(afterScrape) - healthInf(before), N);
  assert.ok(afterScrape[`memberd_http_request_duration_seconds_sum{${HEALTH}}`] > 0);
  assert.deepEqual([...servedBy(ids)].sort(), s.workerPids().sort(), 'both workers served');
  const [busy, idle] = workers(afterScrape);
  assert.ok(busy >= 1, 'the scrape itself is being served');
  assert.equal(busy + idle, 2);
});

test('an unknown path is counted as unmatched, by its status', async () => {
  const key = 'memberd_http_requests_total{method="",route="unmatched",status="404"}';
  const before = (await scrape())[key] ?? 0;
  for (let i = 0; i < 3; i++) assert.equal((await s.api('/api/v1/no-such-thing')).status, 404);
  assert.equal((await scrape())[key] - before, 3);
});

test('the counts survive a killed worker and a reload; the workers gauge follows', async () => {
  const before = await scrape();
  for (let i = 0; i < 10; i++) await s.api('/api/v1/health');
  const [victim] = s.workerPids();
  process.kill(victim, 'SIGKILL');
  await waitFor('a replacement worker', () => {
    const pids = s.workerPids();
    return pids.length === 2 && !pids.includes(victim);
  });
  let m = await scrape();
  assert.equal(healthOk(m) - healthOk(before), 10, 'nothing lost with the worker');
  assert.equal(workers(m)[0] + workers(m)[1], 2, 'the dead worker left the gauge');

  const old = s.workerPids();
  process.kill(s.memberdPid(), 'SIGHUP');
  await waitFor('the reloaded workers', () => {
    const pids = s.workerPids();
    return pids.length === 2 && pids.every((p) => !old.includes(p));
  });
  for (let i = 0; i < 5; i++) await s.api('/api/v1/health');
  m = await waitFor('the retired workers gone from the gauge', async () => {
    const x = await scrape();
    return workers(x)[0] + workers(x)[1] === 2 ? x : null;
  });
  assert.equal(healthOk(m) - healthOk(before), 15, 'counting goes on across the reload');
});

test('the mail queue gauges count a known number of invitations, queued while no mailer runs', async () => {
  const gauge = (m, st) => m[`memberd_mail_messages{state="${st}"}`];
  const before = await scrape();
  assert.equal(before.memberd_database_up, 1);
  const queued0 = gauge(before, 'queued');
  assert.equal(queued0, Number(s.sql("SELECT count(*) FROM email_queue WHERE state = 'queued'")[0][0]));

  const admin = await adminClient(s);
  const c = await admin.post('/api/v1/admin/clients', {
    company_name: 'Metrics Ltd', first_name: 'Mia', last_name: 'Metric',
    owner: { email: `owner.${Date.now()}@example.com` },
  });
  assert.equal(c.status, 201, c.text);
  const N = 4;
  for (let i = 0; i < N; i++) {
    const r = await admin.post(`/api/v1/admin/clients/${c.json.client.id}/users`, {
      email: `invitee.${i}.${Date.now()}@example.com`, permissions: ['invoices'], send_invite: true,
    });
    assert.equal(r.status, 201, r.text);
  }
  const m = await scrape();
  assert.equal(gauge(m, 'queued') - queued0, N);
  assert.equal(gauge(m, 'sent'), gauge(before, 'sent'));
  assert.equal(m['memberd_mail_last_24h{state="queued"}'] - before['memberd_mail_last_24h{state="queued"}'], N);
  assert.ok(m['memberd_mail_oldest_seconds{state="queued"}'] >= 0);
  for (const st of ['sending', 'failed', 'dead']) assert.equal(gauge(m, st), 0, st);

  // a mail made older: the age shows it
  s.sql("UPDATE email_queue SET created_at = now() - interval '1 hour' WHERE id = (SELECT min(id) FROM email_queue WHERE state = 'queued')");
  const aged = await scrape();
  assert.ok(aged['memberd_mail_oldest_seconds{state="queued"}'] >= 3600);
});

test('the webhook gauges count a known number of deliveries: queued, then delivered and dead', async () => {
  const gauge = (m, st) => m[`memberd_webhook_deliveries{state="${st}"}`];
  // one receiver that takes everything, one that refuses for good (400: dead at once)
  const srv = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => { res.writeHead(req.url === '/ok' ? 204 : 400); res.end(); });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${srv.address().port}`;
  const eps = ['/ok', '/refuse'].map((p, i) => {
    const f = path.join(s.dir, `metrics-secret-${i}`);
    fs.writeFileSync(f, 'whsec_' + crypto.randomBytes(32).toString('base64') + '\n', { mode: 0o600 });
    const r = s.memberctl(['webhook', 'add', base + p, '--events', 'member.*', '--secret-file', f]);
    assert.equal(r.status, 0, r.stderr);
    return Number(/endpoint (\d+)/.exec(r.stdout)[1]);
  });
  let proc;
  try {
    const before = await scrape();
    for (const st of ['queued', 'sending', 'failed', 'delivered', 'dead']) assert.equal(typeof gauge(before, st), 'number', st);
    const N = 3;
    s.sql(`SELECT memberd_webhook_emit('member.added', jsonb_build_object('n', g)) FROM generate_series(1, ${N}) g`);
    const queued = await scrape();
    assert.equal(gauge(queued, 'queued') - gauge(before, 'queued'), 2 * N, 'one delivery per endpoint and event');
    assert.equal(queued['memberd_webhook_last_24h{state="queued"}'] - before['memberd_webhook_last_24h{state="queued"}'], 2 * N);
    assert.ok(queued['memberd_webhook_oldest_seconds{state="queued"}'] >= 0);

    const conf = path.join(s.dir, 'metrics-webhooks.conf');
    fs.writeFileSync(conf, fs.readFileSync(path.join(s.dir, 'memberd-direct.conf'), 'utf8') +
      '\nwebhooks_poll_interval = 1s\nwebhooks_backoff_unit = 50ms\n');
    const out = fs.openSync(path.join(s.logDir, 'metrics-webhooks.log'), 'a');
    proc = spawn(path.join(s.bin, 'memberd-webhooks'), ['-c', conf], { env: s.env, stdio: ['ignore', out, out] });
    fs.closeSync(out);
    const done = await waitFor('every delivery settled', async () => {
      const m = await scrape();
      return gauge(m, 'queued') === gauge(before, 'queued') && gauge(m, 'sending') === gauge(before, 'sending') ? m : null;
    });
    assert.equal(gauge(done, 'delivered') - gauge(before, 'delivered'), N);
    assert.equal(gauge(done, 'dead') - gauge(before, 'dead'), N);
    assert.equal(done['memberd_webhook_last_24h{state="dead"}'] - before['memberd_webhook_last_24h{state="dead"}'], N);
    assert.equal(gauge(done, 'delivered'), Number(s.sql("SELECT count(*) FROM webhook_deliveries WHERE state = 'delivered'")[0][0]));
  } finally {
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc.on('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    for (const id of eps) assert.equal(s.memberctl(['webhook', 'remove', String(id)]).status, 0);
    await new Promise((r) => { srv.closeAllConnections(); srv.close(r); });
  }
});
