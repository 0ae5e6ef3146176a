// The mailers' wake-up (drain.h, sql/015_wake_when_idle.sql): a commit that
// queues mail NOTIFYs only when no mailer is awake, since a NOTIFY makes
// the notifying commits wait for each other; and a mailer going to sleep
// still claims, as soon as they commit, the rows of producers that saw
// it awake and did not notify.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startStack, waitFor } from '../lib/stack.mjs';
import { startSmtpPeer } from '../lib/smtp-peer.mjs';
import { enqueue, startMailer } from '../lib/mailer.mjs';

const WAKE_KEY = 72853; // OUTBOX_WAKE_KEY (include/mail/outbox.h)

let s;
before(async () => { s = await startStack({ catcher: false, mailer: false, workers: 1 }); });
after(async () => { await s?.stop(); });

// A psql session of its own; say() sends SQL, out() is what it printed.
function session(name) {
  const psql = spawn('psql', ['-X', '-q', '-At', '-h', '127.0.0.1', '-p', String(s.pgPort), '-U', 'memberd', 'memberd'],
    { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  psql.stdout.on('data', (d) => { out += d; });
  psql.stdin.write(`SET application_name = '${name}';\n`);
  return {
    say: (sql) => psql.stdin.write(`${sql}\n`),
    out: () => out,
    end: () => new Promise((resolve) => { psql.on('exit', resolve); psql.stdin.end('\\q\n'); }),
  };
}

test('a commit that queues mail notifies only while no mailer is awake', async () => {
  const listener = session('listener');
  let ticks = 0;
  // Whether a notification arrived since the last call: psql shows them
  // when it runs a command, so run one and wait for its answer.
  const notified = async () => {
    const tick = `tick${++ticks}`;
    const from = listener.out().length;
    listener.say(`SELECT '${tick}';`);
    await waitFor(tick, () => listener.out().includes(tick));
    return listener.out().slice(from).includes('notification "memberd_mail"');
  };
  listener.say('LISTEN memberd_mail;');
  await notified();
  try {
    enqueue(s, 1, { prefix: 'asleep-' });
    assert.equal(await notified(), true, 'no mailer awake: the commit notifies');

    // an awake mailer holds (key, 1) shared on its session
    const awake = session('awake-mailer');
    try {
      awake.say(`SELECT pg_advisory_lock_shared(${WAKE_KEY}, 1);`);
      await waitFor('the lock to be held', () => s.sql(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'
        AND classid = ${WAKE_KEY} AND objid = 1 AND objsubid = 2 AND granted`)[0][0] === '1');
      enqueue(s, 1, { prefix: 'awake-' });
      assert.equal(await notified(), false, 'a mailer is awake: no NOTIFY');
    } finally {
      await awake.end();
    }

    enqueue(s, 1, { prefix: 'asleep-again-' });
    assert.equal(await notified(), true, 'the mailer went away: the commit notifies again');
  } finally {
    await listener.end();
  }
});

test('a row whose producer saw the mailer awake is claimed as soon as it commits', async () => {
  s.sql('DELETE FROM email_queue');
  // each message takes 1.5 s, so the mailer is awake (in a session) for that
  const peer = await startSmtpPeer({ delayMs: 1500 });
  // poll 30 s; the sweep, which also bounds an idle mailer's sleep, every
  // 2 s: a mailer that missed the row would claim it up to 2 s late
  const m = startMailer(s, { name: 'mailer-awake', conf: `smtp_port = ${peer.port}\nmailer_poll_interval = 30s\n`
    + 'mailer_lease = 60s\nsmtp_command_timeout = 5s\n' });
  const producer = session('producer');
  const claimed = () => s.sql("SELECT count(*) FROM email_queue WHERE recipient = 'second@example.org' AND state <> 'queued'")[0][0] === '1';
  try {
    await waitFor('the mailer to listen', () => /started/.test(m.log()));
    enqueue(s, 1, { prefix: 'first-' });
    await waitFor('the first message on the wire', () => s.sql(
      "SELECT count(*) FROM email_queue WHERE state = 'sending'")[0][0] === '1');
    // queued while the mailer is awake (no NOTIFY), committed once it sleeps
    producer.say(`BEGIN; INSERT INTO email_queue (template, recipient, subject, body_text)
      VALUES ('test', 'second@example.org', 'Second', 'Hello'); SELECT 'inserted';`);
    await waitFor('the insert', () => producer.out().includes('inserted'));
    await waitFor('the first message recorded', () => s.sql(
      "SELECT count(*) FROM email_queue WHERE state = 'sent'")[0][0] === '1', { interval: 20 });
    const t0 = Date.now();
    producer.say("COMMIT; SELECT 'committed';");
    await waitFor('the second message claimed', claimed, { timeout: 10000, interval: 20 });
    const latency = Date.now() - t0;
    assert.ok(latency < 1000, `claimed ${latency} ms after its commit`);
    await peer.waitAccepted(2, 10000);
  } finally {
    await producer.end();
    assert.equal((await m.stop()).code, 0);
    await peer.close();
  }
});
