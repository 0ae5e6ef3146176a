// The mailer's life: it wakes within a second of a commit, stops cleanly on
// SIGTERM between two messages, loses nothing when killed outright, and
// rides out a PostgreSQL restart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep, startStack, waitFor } from '../lib/stack.mjs';
import { startSmtpPeer } from '../lib/smtp-peer.mjs';
import { enqueue, startMailer, stateCounts, waitAllSent } from '../lib/mailer.mjs';

// A lease of 3 s lets a killed mailer's rows come back quickly; it must be
// at least 2 x max(connect, 5 x command) = 3 s.
const FAST = 'mailer_backoff_unit = 10ms\nsmtp_connect_timeout = 1s\n'
  + 'smtp_command_timeout = 300ms\nmailer_lease = 3s\n';

let s;
before(async () => { s = await startStack({ catcher: false, mailer: false, workers: 1 }); });
after(async () => { await s?.stop(); });

test('a queued mail leaves within a second of its commit, long before the poll', async () => {
  s.sql('DELETE FROM email_queue');
  const peer = await startSmtpPeer({});
  const m = startMailer(s, { name: 'mailer-wake', conf: `smtp_port = ${peer.port}\nmailer_poll_interval = 30s\n${FAST}` });
  try {
    await waitFor('the mailer to listen', () => /started/.test(m.log()));
    await sleep(300);
    for (let i = 1; i <= 3; i++) {
      const t0 = Date.now();
      enqueue(s, 1, { prefix: `wake${i}-` });
      await peer.waitAccepted(i, 5000);
      const latency = peer.accepted[i - 1].at - t0;
      assert.ok(latency < 1000, `accepted ${latency} ms after the commit`);
    }
  } finally {
    assert.equal((await m.stop()).code, 0);
    await peer.close();
  }
});

test('an idle mailer sleeps until a notification or its poll, even with nothing queued', async () => {
  s.sql('DELETE FROM email_queue');
  const peer = await startSmtpPeer({});
  const m = startMailer(s, { name: 'mailer-idle', conf: `smtp_port = ${peer.port}\nmailer_poll_interval = 30s\n${FAST}` });
  // the mailer's own transactions, as PostgreSQL counts them (its
  // statistics reach the shared counters within about a second)
  const xacts = () => Number(s.sql(`SELECT sum(xact_commit + xact_rollback) FROM pg_stat_database WHERE datname = 'memberd'`)[0][0]);
  try {
    await waitFor('the mailer to listen', () => /started/.test(m.log()));
    await sleep(1500);
    const before = xacts();
    await sleep(4000);
    const spent = xacts() - before;
    // a busy loop spends hundreds; sleeping, a few sweeps and our own reads
    assert.ok(spent < 40, `${spent} transactions in 4 s of idling`);
  } finally {
    assert.equal((await m.stop()).code, 0);
    await peer.close();
  }
});

// 40 rows in batches of 20: while the first batch is on the wire, the
// second is already claimed; SIGTERM must give both back.
test('SIGTERM finishes the message in flight, gives the rest back and exits 0', async (t) => {
  s.sql('DELETE FROM email_queue');
  const peer = await startSmtpPeer({ delayMs: 150 });
  const conf = `smtp_port = ${peer.port}\nmailer_poll_interval = 1s\nmailer_batch_size = 20\n${FAST}`
    .replace('smtp_command_timeout = 300ms', 'smtp_command_timeout = 1s').replace('mailer_lease = 3s', 'mailer_lease = 10s');
  const m = startMailer(s, { name: 'mailer-term', conf });
  try {
    enqueue(s, 40);
    await peer.waitAccepted(3);
    await waitFor('the next batch claimed ahead', () => stateCounts(s).queued === 0);
    const t0 = Date.now();
    const { code } = await m.stop();
    const took = Date.now() - t0;
    assert.equal(code, 0);
    t.diagnostic(`SIGTERM to exit: ${took} ms, with 150 ms per message at the relay`);
    assert.ok(took < 2000, `stopped in ${took} ms`);
    const c = stateCounts(s);
    assert.equal(c.sending, 0, 'no row left claimed');
    assert.equal(c.sent, peer.accepted.length, 'every accepted message is recorded sent, and only those');
    assert.ok(c.queued > 0, 'the rest of the batch was given back');
    assert.equal(c.sent + c.queued, 40);
    assert.equal(s.sql("SELECT count(*) FROM email_queue WHERE state = 'queued' AND attempts <> 0")[0][0], '0',
      'a released row keeps its attempt count');
    assert.match(m.log(), /outcome=released/);
    assert.match(m.log(), /stopped/);
  } finally {
    await m.stop();
  }
  // and the next mailer delivers the rest, nothing twice
  const m2 = startMailer(s, { name: 'mailer-term-2', conf: `smtp_port = ${peer.port}\nmailer_poll_interval = 1s\n${FAST}` });
  try {
    await waitAllSent(s, 40);
    assert.equal(peer.accepted.length, 40);
    assert.equal(new Set(peer.accepted.map((a) => a.messageId)).size, 40);
  } finally {
    assert.equal((await m2.stop()).code, 0);
    await peer.close();
  }
});

// Acceptances are written together at most 100 ms after the relay gave
// them; with 40 ms a message, a kill repeats at most the message in flight
// and the three or so accepted just before it.
test('with a slow relay, each acceptance is written at once, not when the next reply comes', async () => {
  s.sql('DELETE FROM email_queue');
  const peer = await startSmtpPeer({ delayMs: 1500 });
  enqueue(s, 3, { prefix: 'slow-' });
  const m = startMailer(s, { name: 'mailer-slow', conf: `smtp_port = ${peer.port}\nmailer_batch_size = 3\nsmtp_command_timeout = 5s\nmailer_lease = 60s\nmailer_poll_interval = 1s\n` });
  try {
    await peer.waitAccepted(1, 10000);
    await sleep(400);
    // the relay is 1.1 s away from its next answer: a kill -9 now must
    // not send the first message again
    assert.equal(stateCounts(s).sent, 1, 'the first acceptance is in the database');
  } finally {
    await m.kill();
    await peer.close();
    s.sql('DELETE FROM email_queue');
  }
});

test('kill -9 in the middle of a batch loses nothing and repeats only the messages in flight', async () => {
  s.sql('DELETE FROM email_queue');
  const peer = await startSmtpPeer({ delayMs: 40 });
  const conf = `smtp_port = ${peer.port}\nmailer_poll_interval = 1s\nmailer_batch_size = 20\n${FAST}`;
  const ids = enqueue(s, 60);
  const m = startMailer(s, { name: 'mailer-killed', conf });
  await peer.waitAccepted(10);
  await m.kill();
  const atKill = peer.accepted.length;
  const c = stateCounts(s);
  assert.ok(c.sending > 0, 'the killed mailer held a batch');
  assert.ok(atKill < 60, 'killed before the end');

  const m2 = startMailer(s, { name: 'mailer-after-kill', conf });
  try {
    await waitAllSent(s, 60, 40000);
    const counts = peer.counts();
    const rows = s.sql('SELECT message_id FROM email_queue ORDER BY id');
    assert.equal(rows.length, ids.length);
    for (const [mid] of rows) assert.ok(counts.get(mid) >= 1, `${mid} was delivered`);
    const dups = [...counts.values()].filter((n) => n > 1).length;
    assert.ok(dups <= 5, `only the messages in flight may repeat, ${dups} did`);
    assert.ok(dups < 20, 'never the whole batch');
    assert.match(m2.log(), /requeued \d+ messages whose mailer stopped answering/);
  } finally {
    assert.equal((await m2.stop()).code, 0);
    await peer.close();
  }
});

// The relay runs in this process, and pgStop()/pgStart() block it while
// pg_ctl works (over a second on a loaded machine): the command timeout
// must outlast that, or the mailer gives up on a reply the relay could not
// send yet and the message goes twice.
const PG_RESTART_SMTP = 'smtp_connect_timeout = 1s\nsmtp_command_timeout = 5s\n';

test('a PostgreSQL restart mid-batch loses nothing and sends nothing twice', async () => {
  s.sql('DELETE FROM email_queue');
  const peer = await startSmtpPeer({ delayMs: 150 });
  const conf = `smtp_port = ${peer.port}\nmailer_poll_interval = 1s\nmailer_backoff_unit = 10ms\n`
    + `${PG_RESTART_SMTP}mailer_lease = 60s\n`;
  const m = startMailer(s, { name: 'mailer-pg-restart', conf });
  try {
    enqueue(s, 12);
    await peer.waitAccepted(2);
    s.pgStop();
    await sleep(500);
    s.pgStart();
    await waitAllSent(s, 12, 30000);
    assert.equal(peer.accepted.length, 12);
    assert.equal(new Set(peer.accepted.map((a) => a.messageId)).size, 12);
    // and it still wakes on notifications after reconnecting
    const t0 = Date.now();
    enqueue(s, 1, { prefix: 'after-restart' });
    await peer.waitAccepted(13, 10000);
    assert.ok(peer.accepted[12].at - t0 < 3000);
    assert.equal(m.proc.exitCode, null, 'the mailer never exited');
    assert.match(m.log(), /database: connected/);
  } finally {
    assert.equal((await m.stop()).code, 0);
    await peer.close();
  }
});

// While a full batch is on the wire the next one is already claimed
// (db_send); a restart loses that claim's answer with the connection. The
// mailer must learn after reconnecting which rows it holds and give the
// claim back at once, not leave it `sending` for the lease.
test('a PostgreSQL restart mid-drain leaves no claim stranded: nothing sending a few seconds later, nothing lost', async (t) => {
  s.sql('DELETE FROM email_queue');
  const peer = await startSmtpPeer({ delayMs: 20 });
  const conf = `smtp_port = ${peer.port}\nmailer_poll_interval = 1s\nmailer_batch_size = 20\nmailer_lease = 10m\n`
    + PG_RESTART_SMTP;
  const ids = enqueue(s, 400);
  const m = startMailer(s, { name: 'mailer-pg-restart-drain', conf });
  try {
    await peer.waitAccepted(60, 20000);
    s.pgStop();
    const atStop = peer.accepted.length;
    await sleep(500);
    s.pgStart();
    const back = Date.now();
    // rows claimed before the restart are sent or back in the queue soon
    const stranded = () => Number(s.sql(`SELECT count(*) FROM email_queue
      WHERE state = 'sending' AND last_attempt_at < pg_postmaster_start_time()`)[0][0]);
    await waitFor('no row claimed before the restart still sending', () => stranded() === 0, { timeout: 8000, interval: 200 });
    t.diagnostic(`no claim from before the restart left ${Date.now() - back} ms after PostgreSQL was back; ${atStop} accepted before`);
    await waitAllSent(s, 400, 90000);
    const counts = peer.counts();
    for (const [mid] of s.sql('SELECT message_id FROM email_queue')) assert.ok(counts.get(mid) >= 1, `${mid} delivered`);
    assert.equal(s.sql('SELECT count(*) FROM email_queue')[0][0], String(ids.length));
    // acceptances not yet written when the server went are written once
    // it is back: nothing goes twice
    const dups = [...counts.values()].filter((n) => n > 1).length;
    assert.equal(dups, 0, `${dups} messages sent twice`);
    assert.equal(s.sql('SELECT count(*) FROM email_queue WHERE attempts <> 1')[0][0], '0', 'no second attempt for anything');
    assert.equal(m.proc.exitCode, null, 'the mailer never exited');
    assert.equal((await m.stop()).code, 0);
  } finally {
    await m.stop();
    await peer.close();
  }
});
