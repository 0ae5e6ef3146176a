// A killed mailer's mail goes out within seconds, not after its lease: a
// claim is tied to the claiming mailer's database session (a session
// advisory lock), and any mailer requeues the rows whose lock is free. A
// live mailer, however slow, keeps its rows. Without the lock
// (mailer_claim_lock = false, for transaction pooling) the lease decides,
// as before.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep, startStack, waitFor } from '../lib/stack.mjs';
import { startSmtpPeer } from '../lib/smtp-peer.mjs';
import { enqueue, startMailer, stateCounts, waitAllSent } from '../lib/mailer.mjs';

// The lease is the default's ten minutes: only the claim lock can bring a
// killed mailer's rows back within the test.
const CONF = 'mailer_poll_interval = 1s\nmailer_batch_size = 20\nmailer_lease = 10m\n';
// How recent an acceptance may be and still go out twice after a kill: the
// mailer writes acceptances at most 100 ms after the relay gave them; the
// rest is the commit's time on a loaded machine.
const RECENT_MS = 600;

let s;
before(async () => { s = await startStack({ catcher: false, mailer: false, workers: 1 }); });
after(async () => { await s?.stop(); });

const mailerId = async (m) => (await waitFor(`${m.name} to start`, () => /mailer (\S+) started/.exec(m.log())))[1];

// Freeze the mailer (SIGSTOP: nothing it does after this counts), note the
// rows it holds, then kill -9 it. Returns the kill's time and those rows.
async function freezeAndKill(m) {
  const id = await mailerId(m);
  process.kill(m.pid, 'SIGSTOP');
  const at = Date.now();
  const held = s.sql(`SELECT id FROM email_queue WHERE state = 'sending' AND locked_by = '${id}'`).map((r) => Number(r[0]));
  await m.kill();
  return { at, held };
}

// The rows a killed mailer held must all be sent within 30 s of the kill.
async function heldSentWithin(kill, ms = 30000) {
  assert.ok(kill.held.length > 0, 'the killed mailer held a batch');
  const list = kill.held.join(',');
  await waitFor(`the killed mailer's ${kill.held.length} rows sent`, () =>
    Number(s.sql(`SELECT count(*) FROM email_queue WHERE id IN (${list}) AND state = 'sent'`)[0][0]) === kill.held.length,
  { timeout: Math.max(1000, kill.at + ms - Date.now()), interval: 200 });
  return Date.now() - kill.at;
}

// Messages the relay accepted more than once, and for each the time of its
// first acceptance.
function duplicates(peer) {
  const first = new Map();
  const dups = [];
  for (const a of peer.accepted) {
    if (!first.has(a.messageId)) first.set(a.messageId, a.at);
    else if (!dups.some((d) => d.messageId === a.messageId)) dups.push({ messageId: a.messageId, at: first.get(a.messageId) });
  }
  return dups;
}

// Every duplicate was accepted just before a kill: the message in flight
// or one of the last acceptances, never an older one or a whole batch.
// The peer runs in this process: what the frozen mailer had written
// before SIGSTOP may be accepted only once the test's own synchronous psql
// calls let the event loop run, so the message in flight may show up to
// IN_FLIGHT_MS after the freeze.
const IN_FLIGHT_MS = 3000;
function assertDupsBounded(t, peer, kills) {
  const dups = duplicates(peer);
  const recent = (k) => peer.accepted.filter((a) => a.at >= k.at - RECENT_MS && a.at <= k.at).length;
  const bound = kills.reduce((n, k) => n + recent(k) + 1, 0);
  t.diagnostic(`${dups.length} duplicates; at most ${bound} allowed (in flight + accepted in the last ${RECENT_MS} ms before each kill)`);
  for (const d of dups) {
    const near = kills.some((k) => d.at >= k.at - RECENT_MS && d.at <= k.at + IN_FLIGHT_MS);
    assert.ok(near, `${d.messageId} was sent twice though first accepted ${Math.min(...kills.map((k) => k.at - d.at))} ms before a kill`);
  }
  assert.ok(dups.length <= bound, `${dups.length} duplicates`);
}

function assertAllDelivered(peer, n) {
  const counts = peer.counts();
  const rows = s.sql('SELECT message_id FROM email_queue');
  assert.equal(rows.length, n);
  for (const [mid] of rows) assert.ok(counts.get(mid) >= 1, `${mid} was delivered`);
}

test('kill -9 with 5,000 queued: the mailer beside it sends the killed one\'s batch within 30 s', async (t) => {
  s.sql('DELETE FROM email_queue');
  const peer = await startSmtpPeer({});
  const conf = `smtp_port = ${peer.port}\n${CONF}`;
  enqueue(s, 5000);
  const a = startMailer(s, { name: 'mailer-crash-a', conf });
  const b = startMailer(s, { name: 'mailer-crash-b', conf });
  try {
    await peer.waitAccepted(500, 60000);
    const kill = await freezeAndKill(a);
    const took = await heldSentWithin(kill);
    t.diagnostic(`the killed mailer's ${kill.held.length} rows were all sent ${took} ms after the kill`);
    await waitAllSent(s, 5000, 180000);
    assertAllDelivered(peer, 5000);
    assertDupsBounded(t, peer, [kill]);
    assert.match(b.log(), /requeued \d+ messages whose mailer stopped answering \([1-9]\d*: its session is gone/);
    assert.equal(stateCounts(s).sending, 0);
    assert.equal((await b.stop()).code, 0);
  } finally {
    await a.kill();
    await b.stop();
    await peer.close();
  }
});

test('three kills in one drain, each followed by a restart: nothing lost, each batch out within 30 s', async (t) => {
  s.sql('DELETE FROM email_queue');
  const peer = await startSmtpPeer({});
  const conf = `smtp_port = ${peer.port}\n${CONF}`;
  enqueue(s, 3000);
  const kills = [];
  let m = startMailer(s, { name: 'mailer-kill-0', conf });
  try {
    for (let i = 1; i <= 3; i++) {
      await peer.waitAccepted(i * 600, 60000);
      const kill = await freezeAndKill(m);
      kills.push(kill);
      m = startMailer(s, { name: `mailer-kill-${i}`, conf });
      const took = await heldSentWithin(kill);
      t.diagnostic(`kill ${i}: ${kill.held.length} rows held, all sent ${took} ms after the kill`);
    }
    await waitAllSent(s, 3000, 180000);
    assertAllDelivered(peer, 3000);
    assertDupsBounded(t, peer, kills);
    assert.equal((await m.stop()).code, 0);
  } finally {
    await m.stop();
    await peer.close();
  }
});

test('a slow but live mailer keeps its rows while another one sweeps', async () => {
  s.sql('DELETE FROM email_queue');
  // 3 messages of 1.5 s each: every batch is held for about 4.5 s, over
  // two sweeps of the other mailer
  const peer = await startSmtpPeer({ delayMs: 1500 });
  const conf = `smtp_port = ${peer.port}\n${CONF}`.replace('mailer_batch_size = 20', 'mailer_batch_size = 3');
  enqueue(s, 9, { prefix: 'slow' });
  const a = startMailer(s, { name: 'mailer-slow-a', conf });
  const b = startMailer(s, { name: 'mailer-slow-b', conf });
  try {
    await waitAllSent(s, 9, 60000);
    assert.equal(peer.accepted.length, 9, 'each message exactly once');
    assert.equal(new Set(peer.accepted.map((x) => x.messageId)).size, 9);
    assert.doesNotMatch(a.log() + b.log(), /requeued|lost-lease/);
    assert.equal(s.sql('SELECT count(*) FROM email_queue WHERE attempts <> 1')[0][0], '0');
  } finally {
    assert.equal((await a.stop()).code, 0);
    assert.equal((await b.stop()).code, 0);
    await peer.close();
  }
});

test('with mailer_claim_lock = false the claim carries no lock and the lease brings a killed batch back', async () => {
  s.sql('DELETE FROM email_queue');
  const peer = await startSmtpPeer({ delayMs: 40 });
  const conf = `smtp_port = ${peer.port}\nmailer_poll_interval = 1s\nmailer_batch_size = 20\nmailer_claim_lock = false\n`
    + 'smtp_connect_timeout = 1s\nsmtp_command_timeout = 1s\nmailer_lease = 10s\n';
  enqueue(s, 60);
  const a = startMailer(s, { name: 'mailer-nolock-a', conf });
  const b = startMailer(s, { name: 'mailer-nolock-b', conf });
  try {
    await peer.waitAccepted(10, 20000);
    assert.equal(s.sql("SELECT count(*) FROM email_queue WHERE state = 'sending' AND claim_lock IS NOT NULL")[0][0], '0');
    const kill = await freezeAndKill(a);
    assert.ok(kill.held.length > 0, 'the killed mailer held a batch');
    await sleep(4000);
    const list = kill.held.join(',');
    assert.equal(s.sql(`SELECT count(*) FROM email_queue WHERE id IN (${list}) AND state = 'sending'`)[0][0],
      String(kill.held.length), 'without the lock, only the lease (10 s) frees the rows');
    await waitAllSent(s, 60, 40000);
    assert.match(b.log(), /requeued \d+ messages whose mailer stopped answering \(0: its session is gone, [1-9]\d*: its lease passed\)/);
    assertAllDelivered(peer, 60);
  } finally {
    await a.kill();
    assert.equal((await b.stop()).code, 0);
    await peer.close();
  }
});

// A mailer whose database session was ended while its batch was on the
// wire finds, when it reconnects, that another mailer took its rows over:
// it must not send the rest of that batch, or every message would go
// twice. SIGSTOP holds it while the other one sweeps.
test('a mailer whose session was terminated and whose rows were taken over stops sending them', async (t) => {
  s.sql('DELETE FROM email_queue');
  const peer = await startSmtpPeer({ delayMs: 300 });
  const conf = `smtp_port = ${peer.port}\n${CONF}`.replace('mailer_batch_size = 20', 'mailer_batch_size = 10');
  enqueue(s, 30, { prefix: 'term' });
  const a = startMailer(s, { name: 'mailer-term-a', conf });
  const id = await mailerId(a);
  let b;
  try {
    await waitFor('a in its session', () => peer.accepted.length >= 2, { timeout: 20000 });
    process.kill(a.pid, 'SIGSTOP');
    const held = s.sql(`SELECT id FROM email_queue WHERE state = 'sending' AND locked_by = '${id}'`).map((r) => r[0]);
    assert.ok(held.length >= 5, `a holds the rest of its batch (${held.length})`);
    // end a's session: its lock goes with it
    const [[pid]] = s.sql(`SELECT l.pid FROM pg_locks l WHERE l.locktype = 'advisory' AND l.objsubid = 1
      AND ((l.classid::bigint << 32) | l.objid::bigint) =
          (SELECT claim_lock FROM email_queue WHERE locked_by = '${id}' LIMIT 1)`);
    s.sql(`SELECT pg_terminate_backend(${pid})`, { user: 'postgres' });
    b = startMailer(s, { name: 'mailer-term-b', conf });
    await waitFor('b to take the rows over', () =>
      s.sql(`SELECT count(*) FROM email_queue WHERE id IN (${held.join(',')}) AND locked_by IS DISTINCT FROM '${id}'`)[0][0]
        === String(held.length), { timeout: 15000 });
    process.kill(a.pid, 'SIGCONT');
    await waitAllSent(s, 30, 60000);
    const dups = [...peer.counts().values()].filter((n) => n > 1).length;
    t.diagnostic(`${held.length} rows taken over; ${dups} sent twice`);
    assert.ok(dups <= 2, `only the message in flight may go twice, ${dups} did`);
    assert.match(a.log(), /outcome=lost-lease .*requeued by a sweep/);
    assert.equal(a.proc.exitCode, null, 'a carried on');
    assertAllDelivered(peer, 30);
    assert.equal((await a.stop()).code, 0);
    assert.equal((await b.stop()).code, 0);
  } finally {
    try { process.kill(a.pid, 'SIGCONT'); } catch { /* gone */ }
    await a.stop();
    await b?.stop();
    await peer.close();
  }
});
