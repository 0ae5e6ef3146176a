// What the relay answers decides a message's fate: 4xx and lost
// connections are retried with backoff until delivered once; 5xx is dead
// at once with the reply kept; each recipient's answer counts on its own.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { sleep, startStack, waitFor } from '../lib/stack.mjs';
import { startSmtpPeer } from '../lib/smtp-peer.mjs';
import { enqueue, startMailer, stateCounts, waitAllSent } from '../lib/mailer.mjs';

const FAST = 'mailer_backoff_unit = 10ms\nmailer_poll_interval = 1s\n'
  + 'smtp_connect_timeout = 1s\nsmtp_command_timeout = 1s\nmailer_lease = 10s\n';

let s;
before(async () => { s = await startStack({ catcher: false, mailer: false, workers: 1 }); });
after(async () => { await s?.stop(); });

async function withRelay(peerOpts, fn, extraConf = '') {
  s.sql('DELETE FROM email_queue');
  const peer = await startSmtpPeer(peerOpts);
  const m = startMailer(s, { name: `mailer-retry-${peer.port}`, conf: `smtp_port = ${peer.port}\n${FAST}${extraConf}` });
  try {
    await fn(peer, m);
  } finally {
    const { code } = await m.stop();
    await peer.close();
    assert.equal(code, 0, `the mailer exits 0 on SIGTERM:\n${m.log()}`);
  }
}

test('421 then 451 then success: retried with backoff and delivered exactly once', async () => {
  await withRelay({ onData: ({ attempt }) => (attempt === 1 ? 421 : attempt === 2 ? 451 : null) },
    async (peer, m) => {
      const [id] = enqueue(s, 1);
      await waitAllSent(s, 1);
      assert.equal(peer.accepted.length, 1, 'delivered once');
      const [[attempts, code, err]] = s.sql(`SELECT attempts, last_reply_code, last_error IS NULL FROM email_queue WHERE id = ${id}`);
      assert.equal(attempts, '3');
      assert.equal(code, '250');
      assert.equal(err, 't', 'a sent row carries no error');
      const log = m.log();
      assert.match(log, new RegExp(`mail id=${id} .*attempt=1 outcome=failed code=421 retry_in=\\d+ms`));
      assert.match(log, new RegExp(`mail id=${id} .*attempt=2 outcome=failed code=451 retry_in=\\d+ms`));
      assert.match(log, new RegExp(`mail id=${id} .*attempt=3 outcome=sent code=250`));
    });
});

test('550 at RCPT is dead at once, with the reply kept and no second try', async () => {
  await withRelay({ onRcpt: () => ({ code: 550, message: 'No such user here' }) },
    async (peer, m) => {
      const [id] = enqueue(s, 1, { prefix: 'nobody' });
      const [[attempts, code, err]] = await waitFor('the row to be dead', () => {
        const r = s.sql(`SELECT attempts, last_reply_code, last_error FROM email_queue WHERE id = ${id} AND state = 'dead'`);
        return r.length === 1 && r;
      });
      assert.equal(attempts, '1');
      assert.equal(code, '550');
      assert.match(err, /^550 .*No such user here/);
      await sleep(1500);
      assert.equal(peer.refused.length, 1, 'never offered again');
      assert.equal(peer.accepted.length, 0);
      assert.match(m.log(), /outcome=dead code=550 reply="550 .*No such user here"/);
      assert.doesNotMatch(m.log(), /nobody1@/, 'the log names the domain only');
    });
});

test('554 after DATA is dead at once', async () => {
  await withRelay({ onData: () => ({ code: 554, message: 'Message refused by policy' }) },
    async (peer) => {
      const [id] = enqueue(s, 1);
      const [[err]] = await waitFor('the row to be dead', () => {
        const r = s.sql(`SELECT last_error FROM email_queue WHERE id = ${id} AND state = 'dead'`);
        return r.length === 1 && r;
      });
      assert.match(err, /^554 .*Message refused by policy/);
      await sleep(1000);
      assert.equal(peer.refused.length, 1);
    });
});

test('each recipient of a batch gets its own verdict over one connection', async () => {
  await withRelay({ onRcpt: (addr) => (addr.startsWith('bad') ? 550 : addr.startsWith('later') ? 450 : null) },
    async (peer) => {
      enqueue(s, 4, { prefix: 'good' });
      const [bad] = enqueue(s, 1, { prefix: 'bad' });
      const [later] = enqueue(s, 1, { prefix: 'later' });
      await waitFor('verdicts for every row', () => {
        const c = stateCounts(s);
        return c.sent === 4 && c.dead === 1 && c.failed === 1;
      });
      assert.equal(s.sql(`SELECT state FROM email_queue WHERE id = ${bad}`)[0][0], 'dead');
      const [[state, code]] = s.sql(`SELECT state, last_reply_code FROM email_queue WHERE id = ${later}`);
      assert.ok(['failed', 'sending', 'queued'].includes(state), `450 leaves the row to be retried, not ${state}`);
      assert.equal(code, '450');
      assert.equal(peer.accepted.length, 4);
      assert.equal(peer.accepted.map((a) => a.sessionId).filter((v, i, all) => all.indexOf(v) === i).length, 1,
        'the whole batch went over one session');
    });
});

test('a relay that is down for a while gets everything once it is back, no attempt spent on it', async () => {
  const peer = await startSmtpPeer({});
  await peer.close();
  s.sql('DELETE FROM email_queue');
  const m = startMailer(s, { name: 'mailer-down-up', conf: `smtp_port = ${peer.port}\n${FAST}` });
  try {
    const ids = enqueue(s, 5);
    await waitFor('sessions tried while the relay is down', () =>
      (m.log().match(/smtp: 127\.0\.0\.1:\d+: Connection refused/g) || []).length >= 3, { timeout: 15000 });
    // the relay never saw them: back in the queue as they were, with why
    const rows = await waitFor('the rows back in the queue', () => {
      const r = s.sql("SELECT state, attempts, last_error FROM email_queue WHERE state <> 'sending'");
      return r.length === 5 && r;
    });
    for (const [state, attempts, err] of rows) {
      assert.equal(state, 'queued');
      assert.equal(attempts, '0', 'a session that never reached the relay costs no attempt');
      assert.match(err, /Connection refused/);
    }
    assert.match(m.log(), /outcome=not-offered/);
    await peer.restart();
    await waitAllSent(s, 5, 30000);
    assert.equal(peer.accepted.length, 5);
    assert.equal(new Set(peer.accepted.map((a) => a.messageId)).size, 5, 'each exactly once');
    assert.equal(s.sql('SELECT count(*) FROM email_queue WHERE attempts <> 1')[0][0], '0', 'one attempt each: the one delivered');
    assert.equal(m.proc.exitCode, null, 'the mailer never exited');
    assert.equal(ids.length, 5);
  } finally {
    const { code } = await m.stop();
    await peer.close();
    assert.equal(code, 0);
  }
});

test('a relay that hangs up after each message: all delivered, no attempt spent on the rest of the batch', async () => {
  await withRelay({ dropAfterEach: true }, async (peer, m) => {
    enqueue(s, 8, { prefix: 'hangup' });
    await waitAllSent(s, 8, 60000);
    assert.equal(peer.accepted.length, 8);
    assert.equal(new Set(peer.accepted.map((a) => a.messageId)).size, 8, 'each exactly once');
    assert.ok(peer.connections >= 8, `one message a connection (${peer.connections})`);
    assert.equal(stateCounts(s).dead, 0, 'none dies with attempts wasted');
    const [[max]] = s.sql('SELECT max(attempts) FROM email_queue');
    assert.ok(Number(max) <= 2, `at most the attempt in hand when the relay hung up is spent (max ${max})`);
    assert.match(m.log(), /outcome=not-offered/);
  }, 'mailer_max_attempts = 2\nmailer_batch_size = 8\n');
});

test('a relay greeting with 554: its text is kept in last_error, no attempt spent', async () => {
  await withRelay({ greeting: { code: 554, message: 'No SMTP service here for you' } }, async (peer) => {
    const [id] = enqueue(s, 1);
    const [[state, attempts, err]] = await waitFor('the greeting in last_error', () => {
      const r = s.sql(`SELECT state, attempts, last_error FROM email_queue WHERE id = ${id} AND state <> 'sending' AND last_error IS NOT NULL`);
      return r.length === 1 && r;
    });
    assert.match(err, /554 No SMTP service here for you/);
    assert.equal(state, 'queued');
    assert.equal(attempts, '0');
    assert.ok(peer.connections >= 1);
    assert.equal(peer.accepted.length, 0);
  });
});

test('a message still refused after mailer_max_attempts is dead with the last reply', async () => {
  await withRelay({ onData: () => ({ code: 451, message: 'Try again later' }) },
    async (peer) => {
      const [id] = enqueue(s, 1);
      const [[attempts, err]] = await waitFor('the row to be dead', () => {
        const r = s.sql(`SELECT attempts, last_error FROM email_queue WHERE id = ${id} AND state = 'dead'`);
        return r.length === 1 && r;
      });
      assert.equal(attempts, '3');
      assert.match(err, /^451 .*Try again later/);
      assert.equal(peer.refused.length, 3);
    }, 'mailer_max_attempts = 3\n');
});
