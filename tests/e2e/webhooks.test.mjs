// Webhook delivery end to end: events emitted with the SQL function the
// access flows will call, memberd-webhooks delivering them to a real HTTP
// receiver in this process, signed as Standard Webhooks define.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { sleep, startStack, waitFor } from '../lib/stack.mjs';
import { makeCA } from '../lib/test-ca.mjs';
import { addEndpoint, receiver } from '../lib/webhook-peer.mjs';

let s;
before(async () => { s = await startStack({ mailer: false, workers: 1 }); });
after(async () => { await s?.stop(); });

const CONF = 'webhooks_poll_interval = 1s\nwebhooks_backoff_unit = 50ms\nwebhooks_batch_size = 20\n';

// the receiver and memberctl webhook add of tests/lib/webhook-peer.mjs
const endpoint = (url, events = '*') => addEndpoint(s, url, events);

function emit(type, data, n = 1) {
  const q = (v) => `'${String(v).replaceAll("'", "''")}'`;
  return s.sql(`SELECT memberd_webhook_emit(${q(type)}, ${q(JSON.stringify(data))}::jsonb || jsonb_build_object('n', g))
    FROM generate_series(1, ${n}) g`).map((r) => r[0]);
}

function deliverer(name, conf = CONF) {
  const confPath = path.join(s.dir, `${name}.conf`);
  fs.writeFileSync(confPath, fs.readFileSync(s.confPath, 'utf8') + '\n' + conf);
  const out = fs.openSync(path.join(s.logDir, `${name}.log`), 'a');
  const proc = spawn(path.join(s.bin, 'memberd-webhooks'), ['-c', confPath], { env: s.env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  return {
    proc, exited, log: () => s.log(`${name}.log`),
    async stop() { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM'); return exited; },
    async kill() { proc.kill('SIGKILL'); return exited; },
  };
}

function verify(secret, h, body) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const mac = crypto.createHmac('sha256', key).update(`${h['webhook-id']}.${h['webhook-timestamp']}.${body}`).digest('base64');
  return h['webhook-signature'].split(' ').includes(`v1,${mac}`);
}

const states = (ep) => Object.fromEntries(s.sql(`SELECT state, count(*) FROM webhook_deliveries
  WHERE endpoint_id = ${ep.id} GROUP BY state`).map(([k, v]) => [k, Number(v)]));

function cleanup(...eps) {
  for (const ep of eps) assert.equal(s.memberctl(['webhook', 'remove', String(ep.id)]).status, 0);
}

test('an event arrives signed: the secret verifies it, another does not', async () => {
  const rx = await receiver();
  const ep = endpoint(rx.url + '/hook', 'invite.*,member.added');
  const d = deliverer('wh-sign');
  try {
    const [id] = emit('invite.created', { invite: { id: 7, email: 'a@example.org' } });
    emit('member.removed', { x: 1 });	/* not matched by the filter */
    emit('member.added', { y: 2 });
    await waitFor('two deliveries', () => states(ep).delivered === 2);
    assert.equal(rx.got.length, 2);
    const r = rx.got[0];
    assert.equal(r.path, '/hook');
    assert.equal(r.headers['content-type'], 'application/json');
    assert.equal(r.headers['webhook-id'], id);
    assert.match(id, /^msg_[0-9a-f]{32}$/);
    assert.ok(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000) < 60);
    assert.ok(verify(ep.secret, r.headers, r.body), 'verifies with the secret');
    assert.ok(!verify('whsec_' + crypto.randomBytes(32).toString('base64'), r.headers, r.body), 'fails with another');
    assert.ok(!verify(ep.secret, r.headers, r.body + ' '), 'fails with another body');
    const body = JSON.parse(r.body);
    assert.deepEqual(Object.keys(body).sort(), ['created_at', 'data', 'id', 'type']);
    assert.equal(body.type, 'invite.created');
    assert.equal(body.id, id);
    assert.equal(body.data.invite.email, 'a@example.org');
    assert.match(body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(JSON.parse(rx.got[1].body).type, 'member.added');
    assert.equal(rx.got[0].headers.connection ?? 'keep-alive', 'keep-alive');
    /* the secret is not in the database in the clear */
    const [[sealed]] = s.sql(`SELECT secret_sealed FROM webhook_endpoints WHERE id = ${ep.id}`);
    assert.ok(!sealed.includes(ep.secret.slice(6, 20)));
  } finally {
    assert.equal((await d.stop()).code, 0);
    cleanup(ep);
    await rx.close();
  }
});

test('500 then 200: delivered on the second attempt; 410 is dead at once with its answer', async () => {
  const rx = await receiver((req, res, r, n) => {
    if (r.path === '/gone') { res.writeHead(410, { 'content-type': 'text/plain' }); res.end('x'.repeat(3000)); return; }
    res.writeHead(n === 1 ? 500 : 200); res.end(n === 1 ? 'busy' : 'ok');
  });
  const ep = endpoint(rx.url + '/flaky');
  const d = deliverer('wh-retry');
  try {
    const [id] = emit('member.added', { a: 1 });
    await waitFor('delivered', () => states(ep).delivered === 1);
    assert.equal(rx.got.length, 2);
    assert.equal(rx.got[0].headers['webhook-id'], id);
    assert.equal(rx.got[1].headers['webhook-id'], id);
    assert.equal(rx.got[0].body, rx.got[1].body, 'the same body both times');
    assert.deepEqual(s.sql(`SELECT attempts, last_status FROM webhook_deliveries WHERE event_id = '${id}'`), [['2', '200']]);

    const gone = endpoint(rx.url + '/gone');
    emit('member.added', { b: 1 });
    await waitFor('dead', () => states(gone).dead === 1);
    const [[attempts, status, err]] = s.sql(`SELECT attempts, last_status, last_error FROM webhook_deliveries WHERE endpoint_id = ${gone.id}`);
    assert.equal(attempts, '1');
    assert.equal(status, '410');
    assert.equal(err, 'x'.repeat(1024), 'the first KiB of the answer');
    const list = s.memberctl(['webhook', 'deliveries', '--state', 'dead']);
    assert.equal(list.status, 0, list.stderr);
    assert.match(list.stdout, /dead\s+1\s+member\.added/);
    cleanup(gone);
  } finally {
    assert.equal((await d.stop()).code, 0);
    cleanup(ep);
    await rx.close();
  }
});

test('an emit in a transaction that rolls back sends nothing', async () => {
  const rx = await receiver();
  const ep = endpoint(rx.url);
  const d = deliverer('wh-rollback');
  try {
    s.sql(`BEGIN; SELECT memberd_webhook_emit('client.created', '{}'); ROLLBACK;`);
    const [id] = emit('client.updated', {});
    await waitFor('the committed one', () => rx.got.length === 1);
    await sleep(1500);
    assert.equal(rx.got.length, 1);
    assert.equal(rx.got[0].headers['webhook-id'], id);
    assert.deepEqual(s.sql(`SELECT type FROM webhook_deliveries WHERE endpoint_id = ${ep.id}`), [['client.updated']]);
  } finally {
    assert.equal((await d.stop()).code, 0);
    cleanup(ep);
    await rx.close();
  }
});

test('order per endpoint holds while an earlier event is retried', async () => {
  let fails = 3;
  const rx = await receiver((req, res, r) => {
    if (JSON.parse(r.body).data.n === 1 && fails-- > 0) { res.writeHead(503); res.end(); return; }
    res.writeHead(204); res.end();
  });
  const ep = endpoint(rx.url);
  const d = deliverer('wh-order');
  try {
    emit('member.updated', {}, 10);
    await waitFor('ten delivered', () => states(ep).delivered === 10);
    const ok = rx.got.map((r) => JSON.parse(r.body).data.n);
    assert.deepEqual(ok, [1, 1, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  } finally {
    assert.equal((await d.stop()).code, 0);
    cleanup(ep);
    await rx.close();
  }
});

test('order holds when the next batch was claimed ahead of a retried event', async () => {
  /* the first claim takes 10 rows an endpoint; the one sent ahead while
     they go out takes the next ones, and must give them back when the
     5th is to be retried */
  let fails = 2;
  const rx = await receiver((req, res, r) => {
    if (JSON.parse(r.body).data.n === 5 && fails-- > 0) { res.writeHead(503); res.end(); return; }
    res.writeHead(204); res.end();
  });
  const ep = endpoint(rx.url);
  emit('member.updated', {}, 120);
  const d = deliverer('wh-ahead');
  try {
    await waitFor('120 delivered', () => states(ep).delivered === 120, { timeout: 60000 });
    const ns = rx.got.map((r) => JSON.parse(r.body).data.n);
    assert.deepEqual(ns, [1, 2, 3, 4, 5, 5, ...[...Array(116).keys()].map((i) => i + 5)]);
    assert.equal(s.sql(`SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ${ep.id} AND attempts <> 1`)[0][0], '1');
  } finally {
    assert.equal((await d.stop()).code, 0);
    cleanup(ep);
    await rx.close();
  }
});

test('two deliverers at once deliver each event once', async () => {
  const rx = await receiver();
  const eps = [endpoint(rx.url + '/a'), endpoint(rx.url + '/b'), endpoint(rx.url + '/c')];
  const a = deliverer('wh-two-a');
  const b = deliverer('wh-two-b');
  try {
    emit('user.updated', {}, 300);
    await waitFor('900 delivered', () => eps.every((ep) => states(ep).delivered === 300), { timeout: 60000 });
    assert.equal(rx.got.length, 900);
    const keys = new Set(rx.got.map((r) => r.path + r.headers['webhook-id']));
    assert.equal(keys.size, 900, 'none twice');
    for (const p of ['/a', '/b', '/c']) {
      const ns = rx.got.filter((r) => r.path === p).map((r) => JSON.parse(r.body).data.n);
      assert.deepEqual(ns, [...Array(300).keys()].map((i) => i + 1), `in order on ${p}`);
    }
    const by = (x) => (x.log().match(/outcome=delivered/g) || []).length;
    assert.equal(by(a) + by(b), 900);
  } finally {
    assert.equal((await a.stop()).code, 0);
    assert.equal((await b.stop()).code, 0);
    cleanup(...eps);
    await rx.close();
  }
});

test('kill -9 mid-drain loses nothing and repeats at most what was in flight', async () => {
  const rx = await receiver((req, res) => setTimeout(() => { res.writeHead(204); res.end(); }, 5));
  const ep = endpoint(rx.url);
  const a = deliverer('wh-kill-a');
  let b;
  try {
    emit('invite.resent', {}, 400);
    await waitFor('some delivered', () => rx.got.length >= 50);
    await a.kill();
    b = deliverer('wh-kill-b');
    await waitFor('400 delivered', () => states(ep).delivered === 400, { timeout: 60000 });
    const ids = rx.got.map((r) => r.headers['webhook-id']);
    const distinct = new Set(ids);
    assert.equal(distinct.size, 400, 'nothing lost');
    assert.ok(ids.length - 400 <= 20, `at most the batch in flight again (${ids.length - 400})`);
  } finally {
    if (b) assert.equal((await b.stop()).code, 0);
    cleanup(ep);
    await rx.close();
  }
});

test('a receiver slower than 10 s times out and the event is retried', { timeout: 90000 }, async () => {
  const rx = await receiver((req, res, r, n) => {
    if (n === 1) setTimeout(() => { try { res.writeHead(200); res.end(); } catch { /* gone */ } }, 15000);
    else { res.writeHead(204); res.end(); }
  });
  const ep = endpoint(rx.url);
  const d = deliverer('wh-slow');
  try {
    const t0 = Date.now();
    emit('user.created', {});
    await waitFor('delivered', () => states(ep).delivered === 1, { timeout: 40000 });
    assert.equal(rx.got.length, 2);
    assert.ok(Date.now() - t0 >= 9500, 'the first attempt waited for its timeout');
    assert.match(d.log(), /attempt=1 outcome=failed status=0/);
  } finally {
    assert.equal((await d.stop()).code, 0);
    cleanup(ep);
    await rx.close();
  }
});

test('memberctl webhook: add prints a secret once, list, disable, retry; -t checks the key', async () => {
  const add = s.memberctl(['webhook', 'add', 'https://billing.example.com/hooks', '--events', 'invite.*,member.*']);
  assert.equal(add.status, 0, add.stderr);
  const secret = /secret \(shown once\): (whsec_\S+)/.exec(add.stdout)[1];
  assert.equal(Buffer.from(secret.slice(6), 'base64').length, 32);
  const id = /endpoint (\d+)/.exec(add.stdout)[1];
  assert.match(s.memberctl(['webhook', 'list']).stdout, new RegExp(`^${id}\\s+enabled.*invite\\.\\*,member\\.\\*\\s+https://billing`, 'm'));
  assert.ok(!s.memberctl(['webhook', 'list']).stdout.includes(secret));
  assert.equal(s.memberctl(['webhook', 'add', 'ftp://x', '--events', '*']).status, 2);
  assert.equal(s.memberctl(['webhook', 'add', 'https://x/', '--events', 'Invite']).status, 2);
  assert.equal(s.memberctl(['webhook', 'disable', id]).status, 0);
  assert.match(s.memberctl(['webhook', 'list']).stdout, new RegExp(`^${id}\\s+disabled`, 'm'));
  emit('invite.created', {});
  assert.deepEqual(s.sql(`SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ${id}`), [['0']], 'a disabled endpoint gets nothing');
  assert.equal(s.memberctl(['webhook', 'remove', id]).status, 0);
  assert.equal(s.memberctl(['webhook', 'remove', id]).status, 1);
  assert.equal(s.memberctl(['webhook', 'retry', '999999']).status, 1);

  const t = (bin, conf) => {
    const p = path.join(s.dir, 'check.conf');
    fs.writeFileSync(p, fs.readFileSync(s.confPath, 'utf8') + '\n' + conf);
    return spawnSyncOut(path.join(s.bin, bin), ['-t', '-c', p]);
  };
  const short = path.join(s.dir, 'short.key');
  fs.writeFileSync(short, 'abcd\n');
  for (const bin of ['memberd', 'memberd-webhooks']) {
    assert.equal(t(bin, '').status, 0, `${bin} -t with the stack's key`);
    const r = t(bin, `secret_key_file = ${short}`);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /32 bytes/);
    assert.equal(t(bin, `secret_key_file = ${s.dir}/missing.key`).status, 1);
  }
});

function spawnSyncOut(bin, args) {
  return spawnSync(bin, args, { env: s.env, encoding: 'utf8' });
}

test('an endpoint failing for webhooks_disable_after is disabled, reported, and its events wait', async () => {
  const rx = await receiver((req, res) => { res.writeHead(500); res.end('down for maintenance'); });
  const ep = endpoint(rx.url);
  const d = deliverer('wh-disable', CONF + 'webhooks_disable_after = 2s\nwebhooks_max_attempts = 1000\n');
  try {
    emit('client.owner_changed', {}, 3);
    await waitFor('disabled', () => s.sql(`SELECT enabled FROM webhook_endpoints WHERE id = ${ep.id}`)[0][0] === 'f',
      { timeout: 30000 });
    const [[reason]] = s.sql(`SELECT disabled_reason FROM webhook_endpoints WHERE id = ${ep.id}`);
    assert.match(reason, /^failing since \d{4}-\d\d-\d\dT[\d:]+Z: down for maintenance$/);
    await waitFor('the warning', () => /warn: webhook endpoint \d+ disabled/.test(d.log()));
    const list = s.memberctl(['webhook', 'list']).stdout;
    assert.match(list, new RegExp(`^${ep.id}\\s+disabled\\s+3\\s`, 'm'), 'its three events wait');
    assert.match(list, /failing since .*: down for maintenance/);
    const seen = rx.got.length;
    await sleep(1500);
    assert.equal(rx.got.length, seen, 'nothing is sent to a disabled endpoint');
    assert.ok(rx.got.every((r) => JSON.parse(r.body).data.n === 1), 'only the first event was tried');
  } finally {
    assert.equal((await d.stop()).code, 0);
    cleanup(ep);
    await rx.close();
  }
});

test('429 with Retry-After waits as long as asked; a redirect is not followed but dead', async () => {
  const rx = await receiver((req, res, r, n) => {
    if (r.path === '/moved') { res.writeHead(302, { location: '/elsewhere' }); res.end(); return; }
    if (n === 1) { res.writeHead(429, { 'retry-after': '2' }); res.end('slow down'); return; }
    res.writeHead(204); res.end();
  });
  const ep = endpoint(rx.url + '/busy');
  const moved = endpoint(rx.url + '/moved');
  const d = deliverer('wh-429');
  try {
    emit('invite.accepted', {});
    await waitFor('delivered and dead', () => states(ep).delivered === 1 && states(moved).dead === 1);
    const busy = rx.got.filter((r) => r.path === '/busy');
    assert.equal(busy.length, 2);
    const gap = Number(busy[1].headers['webhook-timestamp']) - Number(busy[0].headers['webhook-timestamp']);
    assert.ok(gap >= 2, `the retry came ${gap} s later, not after the 50 ms backoff`);
    assert.equal(rx.got.filter((r) => r.path === '/elsewhere').length, 0, 'no redirect followed');
    assert.deepEqual(s.sql(`SELECT attempts, last_status FROM webhook_deliveries WHERE endpoint_id = ${moved.id}`), [['1', '302']]);
  } finally {
    assert.equal((await d.stop()).code, 0);
    cleanup(ep, moved);
    await rx.close();
  }
});

test('TLS is verified: a receiver whose certificate no trusted CA signed gets nothing', async () => {
  const ca = makeCA();
  const { key, cert } = ca.issue({ ip: ['127.0.0.1'] });
  let hits = 0;
  const srv = https.createServer({ key, cert }, (req, res) => { hits++; res.writeHead(204); res.end(); });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const ep = endpoint(`https://127.0.0.1:${srv.address().port}/`);
  const d = deliverer('wh-tls', CONF + 'webhooks_max_attempts = 2\n');
  try {
    emit('user.deleted', {});
    await waitFor('dead', () => states(ep).dead === 1);
    assert.equal(hits, 0);
    const [[status, err]] = s.sql(`SELECT coalesce(last_status::text, '-'), last_error FROM webhook_deliveries WHERE endpoint_id = ${ep.id}`);
    assert.equal(status, '-');
    assert.match(err, /certificate/i);
  } finally {
    assert.equal((await d.stop()).code, 0);
    cleanup(ep);
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
    ca.remove();
  }
});
