// Several mailers drain one queue side by side: SKIP LOCKED claims and
// fenced writes mean each message is delivered exactly once.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../lib/stack.mjs';
import { startSmtpPeer } from '../lib/smtp-peer.mjs';
import { enqueue, startMailer, waitAllSent } from '../lib/mailer.mjs';

let s;
before(async () => { s = await startStack({ catcher: false, mailer: false, workers: 1 }); });
after(async () => { await s?.stop(); });

test('two mailers drain 1,000 queued messages, each delivered exactly once', async () => {
  const peer = await startSmtpPeer({});
  const conf = `smtp_port = ${peer.port}\nmailer_poll_interval = 1s\nmailer_batch_size = 20\n`;
  const ids = enqueue(s, 1000);
  const a = startMailer(s, { name: 'mailer-a', conf });
  const b = startMailer(s, { name: 'mailer-b', conf });
  try {
    await waitAllSent(s, 1000, 120000);
    assert.equal(peer.accepted.length, 1000, 'the relay accepted 1,000 messages');
    const counts = peer.counts();
    assert.equal(counts.size, 1000, 'all different');
    assert.ok([...counts.values()].every((n) => n === 1), 'none twice');
    const rows = s.sql('SELECT message_id FROM email_queue');
    assert.equal(rows.length, ids.length);
    for (const [mid] of rows) assert.equal(counts.get(mid), 1);

    const sentBy = (m) => (m.log().match(/outcome=sent/g) || []).length;
    assert.equal(sentBy(a) + sentBy(b), 1000, 'one log line per attempt');
    assert.ok(sentBy(a) > 0 && sentBy(b) > 0, `both mailers worked (${sentBy(a)} and ${sentBy(b)})`);
    assert.ok(peer.connections <= 1000 / 20 + 20, `batches share connections (${peer.connections} for 1,000)`);
    assert.doesNotMatch(a.log() + b.log(), /lost-lease|requeued/);
  } finally {
    assert.equal((await a.stop()).code, 0);
    assert.equal((await b.stop()).code, 0);
    await peer.close();
  }
});
