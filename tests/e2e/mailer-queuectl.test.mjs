// An operator sees the queue with memberctl, sends dead mail again once
// the cause is fixed, and purges old sent mail.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, waitFor } from '../lib/stack.mjs';
import { startSmtpPeer } from '../lib/smtp-peer.mjs';
import { enqueue, startMailer, stateCounts } from '../lib/mailer.mjs';

let s, peer, m, refuse = true;
before(async () => {
  s = await startStack({ catcher: false, mailer: false, workers: 1 });
  // a relay that refuses "bounce" recipients until told otherwise
  peer = await startSmtpPeer({ onRcpt: (addr) => (refuse && addr.startsWith('bounce') ? { code: 550, message: 'Mailbox unavailable' } : null) });
  m = startMailer(s, { name: 'mailer-ctl', conf: `smtp_port = ${peer.port}\nmailer_poll_interval = 30s\n` });
});
after(async () => {
  assert.equal((await m.stop()).code, 0);
  await peer.close();
  await s?.stop();
});

const ctl = (...args) => {
  const r = s.memberctl(['queue', ...args]);
  return { code: r.status, out: r.stdout, err: r.stderr };
};

test('status counts every state, the oldest waiting mail and the recent dead', async () => {
  enqueue(s, 3, { prefix: 'ok' });
  enqueue(s, 2, { prefix: 'bounce' });
  await waitFor('verdicts', () => { const c = stateCounts(s); return c.sent === 3 && c.dead === 2; });
  // a waiting row from an hour ago, as if the relay had been refusing it
  s.sql(`INSERT INTO email_queue (template, recipient, subject, body_text, state, attempts, next_attempt_at, created_at)
         VALUES ('test', 'late@example.org', 'Late', 'x', 'failed', 2, now() + interval '1 day', now() - interval '1 hour')`);
  const r = ctl('status');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^queued\s+0$/m);
  assert.match(r.out, /^sending\s+0$/m);
  assert.match(r.out, /^failed\s+1$/m);
  assert.match(r.out, /^sent\s+3$/m);
  assert.match(r.out, /^dead\s+2$/m);
  assert.match(r.out, /^oldest waiting: (59m5\ds|1h00m)$/m);
  assert.match(r.out, /^dead in the last 24 h: 2$/m);
});

test('list --state dead shows each dead row with the relay\'s reply', () => {
  const r = ctl('list', '--state', 'dead');
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trim().split('\n');
  assert.match(lines[0], /^id\s+state/);
  assert.equal(lines.filter((l) => /\bdead\b/.test(l)).length, 2);
  assert.equal((r.out.match(/550 .*Mailbox unavailable/g) || []).length, 2);
  assert.doesNotMatch(r.out, /\bsent\b/);
  assert.equal(ctl('list', '--state', 'nonsense').code, 2);
});

test('retry ID sends one dead mail again at once, and refuses a sent one', async () => {
  refuse = false;
  const [[deadId]] = s.sql("SELECT id FROM email_queue WHERE state = 'dead' ORDER BY id LIMIT 1");
  const r = ctl('retry', deadId);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /requeued 1/);
  // the mailer polls every 30 s: only the NOTIFY can wake it this fast
  await waitFor('the retried row to be sent', () =>
    s.sql(`SELECT state, attempts FROM email_queue WHERE id = ${deadId}`)[0].join() === 'sent,1', { timeout: 5000 });
  const [[sentId]] = s.sql("SELECT id FROM email_queue WHERE state = 'sent' ORDER BY id LIMIT 1");
  const again = ctl('retry', sentId);
  assert.equal(again.code, 1);
  assert.match(again.err, /no dead or failed message with id/);
});

test('retry --all-dead requeues every dead mail', async () => {
  const r = ctl('retry', '--all-dead');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /requeued 1/);
  await waitFor('no dead left', () => stateCounts(s).dead === 0 && stateCounts(s).sent === 5, { timeout: 5000 });
});

test('purge deletes sent mail older than the given age, and only that', () => {
  s.sql("UPDATE email_queue SET sent_at = now() - interval '40 days' WHERE id IN (SELECT id FROM email_queue WHERE state = 'sent' ORDER BY id LIMIT 2)");
  const r = ctl('purge', '--sent-older-than', '30d');
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /purged 2 sent messages older than 2592000s/);
  const c = stateCounts(s);
  assert.equal(c.sent, 3);
  assert.equal(c.failed, 1, 'waiting mail is never purged');
  assert.equal(ctl('purge', '--sent-older-than', 'soon').code, 2);
});

test('a wrong argument is named before the usage, with exit 2', () => {
  for (const [args, says] of [[['list', '--state', 'bogus'], /no such state: "bogus"/],
    [['list', '--limit', '0'], /--limit takes 1 to 100000: "0"/],
    [['retry', 'abc'], /not a message id: "abc"/],
    [['purge', '--sent-older-than', 'soon'], /not a duration such as 30d: "soon"/],
    [['purge', 'now'], /unexpected argument: "now"/]]) {
    const r = ctl(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, says);
    assert.match(r.err, /usage: memberctl queue/);
  }
});
