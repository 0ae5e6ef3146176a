// Slowloris against the developer-stack nginx (nginx/dev.conf.in, the
// snippets of the production site): 3,000 connections from one address,
// each sending its request header one line every 5 s and reopened when
// nginx drops it, while health probes from another address must keep
// answering. Seen before the fix: with 1024 worker_connections and the
// default 60 s header timeout most probes failed ("worker_connections are
// not enough").
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { sleep, startStack } from '../lib/stack.mjs';

const SLOW = 3000;
const LINE_EVERY_MS = 5000;
const PROBE_FOR_MS = 25000;
const ATTACKER = '127.0.0.3';
const PROBER = '127.0.0.2';

// 3,000 sockets need more descriptors than a default soft limit of 1024.
function raiseNofile(want) {
  const cur = spawnSync('prlimit', ['--pid', String(process.pid), '--nofile', '--raw', '--noheadings'],
    { encoding: 'utf8' }).stdout.trim().split(/\s+/);
  if (Number(cur[1]) >= want) return;
  const r = spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${want}:${Math.max(want, Number(cur[2]) || 0)}`],
    { encoding: 'utf8' });
  assert.equal(r.status, 0, `cannot raise the open files limit to ${want}: ${r.stderr}`);
}

let s;
before(async () => {
  raiseNofile(SLOW + 2000);
  s = await startStack({ workers: 2, mailer: false, catcher: false });
});
after(async () => { await s?.stop(); });

function slowClients(port) {
  const st = { open: 0, opened: 0, dropped: 0, stopping: false, socks: new Set() };
  const one = () => {
    if (st.stopping) return;
    const c = net.connect({ host: '127.0.0.1', port, localAddress: ATTACKER });
    let timer;
    st.socks.add(c);
    c.on('connect', () => {
      st.open++;
      st.opened++;
      c.write('GET /api/v1/health HTTP/1.1\r\nHost: localhost\r\n');
      let n = 0;
      timer = setInterval(() => c.write(`X-Slow-${n++}: x\r\n`), LINE_EVERY_MS);
    });
    c.on('error', () => {});
    c.on('data', () => {}); // a 408, if nginx says anything
    c.on('close', () => {
      clearInterval(timer);
      st.socks.delete(c);
      if (timer !== undefined) { st.open--; st.dropped++; }
      if (!st.stopping) setTimeout(one, 50); // the attacker reconnects
    });
  };
  // Open them in bursts, as a client with a loop would.
  (async () => {
    for (let i = 0; i < SLOW; i += 100) {
      for (let j = 0; j < 100; j++) one();
      await sleep(20);
    }
  })();
  st.stop = () => { st.stopping = true; for (const c of st.socks) c.destroy(); };
  return st;
}

function probe(port) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const req = http.get({ host: '127.0.0.1', port, path: '/api/v1/health', localAddress: PROBER,
      agent: false, timeout: 5000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode, ms: Date.now() - t0 }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, error: e.message, ms: Date.now() - t0 }));
  });
}

test('3,000 slow header senders from one address: health probes from another keep answering', { timeout: 90000 }, async () => {
  const st = slowClients(s.httpPort);
  try {
    const t0 = Date.now();
    while (st.open < SLOW * 0.95 && Date.now() - t0 < 20000) await sleep(100);
    assert.ok(st.open >= SLOW * 0.95, `only ${st.open} slow connections open`);
    const results = [];
    let maxOpen = 0;
    const end = Date.now() + PROBE_FOR_MS;
    while (Date.now() < end) {
      maxOpen = Math.max(maxOpen, st.open);
      results.push(await probe(s.httpPort));
      await sleep(100);
    }
    const failed = results.filter((r) => r.status !== 200);
    const slowest = Math.max(...results.map((r) => r.ms));
    console.log(`slowloris: ${results.length} probes, ${failed.length} failed, slowest ${slowest} ms; ` +
      `slow connections open at most ${maxOpen}, ${st.opened} opened, ${st.dropped} dropped by nginx`);
    assert.ok(results.length >= 50, `only ${results.length} probes in ${PROBE_FOR_MS} ms`);
    assert.deepEqual(failed.slice(0, 5), [], `${failed.length} of ${results.length} probes failed`);
    // client_header_timeout cut them: a header never finished goes.
    assert.ok(st.dropped >= SLOW * 0.9, `nginx dropped only ${st.dropped} slow connections`);
  } finally {
    st.stop();
  }
  assert.doesNotMatch(s.log('nginx-error.log'), /worker_connections are not enough/);
});
