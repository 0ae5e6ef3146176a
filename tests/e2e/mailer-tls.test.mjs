// The mailer talks to its relay over STARTTLS with AUTH, verifies the
// relay's certificate and name when TLS is required, and never delivers to
// a relay it cannot trust.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startStack, waitFor } from '../lib/stack.mjs';
import { makeCA } from '../lib/test-ca.mjs';
import { startSmtpPeer } from '../lib/smtp-peer.mjs';
import { enqueue, startMailer, stateCounts, waitAllSent } from '../lib/mailer.mjs';

const PASSWORD = 'correct horse battery staple';
const FAST = 'mailer_backoff_unit = 10ms\nmailer_poll_interval = 1s\n'
  + 'smtp_connect_timeout = 2s\nsmtp_command_timeout = 1s\nmailer_lease = 10s\n';

let s, ca, rogue;
before(async () => {
  ca = makeCA('memberd test CA');
  rogue = makeCA('somebody else');
  s = await startStack({ catcher: false, mailer: false, workers: 1 });
});
after(async () => {
  await s?.stop();
  ca?.remove();
  rogue?.remove();
});

// Each test gets its own relay and mailer; rows of earlier tests are gone.
async function withRelay(peerOpts, mailerConf, fn) {
  s.sql('DELETE FROM email_queue');
  const peer = await startSmtpPeer(peerOpts);
  const pwFile = path.join(s.dir, 'smtp-password');
  fs.writeFileSync(pwFile, PASSWORD + '\n', { mode: 0o600 });
  const m = startMailer(s, {
    name: `mailer-tls-${peer.port}`,
    conf: `smtp_port = ${peer.port}\n${FAST}${mailerConf.replace('@PWFILE@', pwFile)}`,
  });
  try {
    await fn(peer, m);
  } finally {
    const { code } = await m.stop();
    await peer.close();
    assert.equal(code, 0, `the mailer exits 0 on SIGTERM:\n${m.log()}`);
  }
}

test('a message goes over STARTTLS with AUTH to a relay whose certificate the CA file vouches for', async () => {
  await withRelay({ tls: ca.issue({ ip: ['127.0.0.1'] }), auth: { user: 'mailer', pass: PASSWORD } },
    `smtp_starttls = required\nsmtp_ca_file = ${ca.certFile}\nsmtp_user = mailer\nsmtp_password_file = @PWFILE@\n`,
    async (peer, m) => {
      enqueue(s, 3);
      await waitAllSent(s, 3);
      assert.equal(peer.accepted.length, 3);
      for (const msg of peer.accepted) {
        assert.equal(msg.secure, true, 'delivered inside TLS');
        assert.equal(msg.user, 'mailer', 'delivered after AUTH');
      }
      assert.equal(peer.connections, 1, 'one connection carried the whole batch');
      assert.doesNotMatch(m.log(), new RegExp(PASSWORD), 'the password is never logged');
      assert.doesNotMatch(m.log(), /m1@example\.org/, 'recipients are logged by domain only');
      assert.match(m.log(), /to=\*@example\.org .*outcome=sent code=250/);
    });
});

// libesmtp reads before it writes when TLS 1.3 tickets arrive early: every
// session must get through on its first attempt.
test('session after session over STARTTLS and AUTH, each delivers on the first attempt', async () => {
  await withRelay({ tls: ca.issue({ ip: ['127.0.0.1'] }), auth: { user: 'mailer', pass: PASSWORD } },
    `smtp_starttls = required\nsmtp_ca_file = ${ca.certFile}\nsmtp_user = mailer\nsmtp_password_file = @PWFILE@\n`,
    async (peer) => {
      for (let i = 1; i <= 12; i++) {
        enqueue(s, 1, { prefix: `round${i}-` });
        await waitAllSent(s, i, 10000);
      }
      assert.deepEqual(s.sql('SELECT DISTINCT attempts FROM email_queue'), [['1']]);
      assert.equal(peer.connections, 12);
      assert.ok(peer.accepted.every((a) => a.tlsVersion === 'TLSv1.2'), 'TLS 1.2: libesmtp mishandles TLS 1.3 tickets');
    });
});

test('the relay is named by SNI and its DNS name is checked', async () => {
  await withRelay({ tls: ca.issue({ dns: ['localhost'] }) },
    `smtp_host = localhost\nsmtp_starttls = required\nsmtp_ca_file = ${ca.certFile}\n`,
    async (peer) => {
      enqueue(s, 1);
      await waitAllSent(s, 1);
      assert.equal(peer.accepted[0].servername, 'localhost');
    });
});

test('a relay whose certificate no trusted CA signed gets nothing when TLS is required', async () => {
  await withRelay({ tls: rogue.issue({ ip: ['127.0.0.1'] }) },
    `smtp_starttls = required\nsmtp_ca_file = ${ca.certFile}\n`,
    async (peer, m) => {
      enqueue(s, 2);
      const rows = await waitFor('the rows back in the queue with why', () => {
        const r = s.sql("SELECT state, last_error FROM email_queue WHERE state = 'queued' AND attempts = 0 AND last_error IS NOT NULL");
        return r.length === 2 && r;
      });
      for (const [, err] of rows) assert.match(err, /TLS: certificate refused: unable to get local issuer certificate/);
      assert.equal(peer.accepted.length, 0);
      assert.match(m.log(), /smtp: .*certificate refused/);
    });
});

test('a certificate for another name is refused when TLS is required', async () => {
  await withRelay({ tls: ca.issue({ dns: ['mail.example.net'] }) },
    `smtp_starttls = required\nsmtp_ca_file = ${ca.certFile}\n`,
    async (peer) => {
      enqueue(s, 1);
      const [[err]] = await waitFor('the row back in the queue with why', () => {
        const r = s.sql("SELECT last_error FROM email_queue WHERE state = 'queued' AND attempts = 0 AND last_error IS NOT NULL");
        return r.length === 1 && r;
      });
      assert.match(err, /IP address mismatch|hostname mismatch/);
      assert.equal(peer.accepted.length, 0);
    });
});

test('a relay that does not offer STARTTLS gets nothing when TLS is required', async () => {
  await withRelay({}, `smtp_starttls = required\nsmtp_ca_file = ${ca.certFile}\n`,
    async (peer) => {
      enqueue(s, 1);
      const [[err]] = await waitFor('the row back in the queue with why', () => {
        const r = s.sql("SELECT last_error FROM email_queue WHERE state = 'queued' AND attempts = 0 AND last_error IS NOT NULL");
        return r.length === 1 && r;
      });
      assert.match(err, /does not offer STARTTLS/);
      assert.equal(peer.accepted.length, 0);
    });
});

test('opportunistic TLS encrypts even with an unverified certificate', async () => {
  await withRelay({ tls: rogue.issue({ ip: ['127.0.0.1'] }) },
    `smtp_starttls = opportunistic\nsmtp_ca_file = ${ca.certFile}\n`,
    async (peer, m) => {
      enqueue(s, 1);
      await waitAllSent(s, 1);
      assert.equal(peer.accepted[0].secure, true);
      assert.match(m.log(), /TLS without a verified certificate/);
    });
});

test('a wrong password leaves the mail queued, to be retried, no attempt spent, and delivers nothing', async () => {
  await withRelay({ tls: ca.issue({ ip: ['127.0.0.1'] }), auth: { user: 'mailer', pass: 'another one' } },
    `smtp_starttls = required\nsmtp_ca_file = ${ca.certFile}\nsmtp_user = mailer\nsmtp_password_file = @PWFILE@\n`,
    async (peer, m) => {
      enqueue(s, 2);
      const rows = await waitFor('the rows back in the queue with why', () => {
        const r = s.sql("SELECT last_error FROM email_queue WHERE state = 'queued' AND attempts = 0 AND last_error IS NOT NULL");
        return r.length === 2 && r;
      });
      for (const [err] of rows) assert.match(err, /AUTH refused \(last reply: 535/);
      assert.equal(peer.accepted.length, 0);
      assert.ok(peer.authFailures >= 1);
      assert.equal(stateCounts(s).dead, 0, 'an AUTH problem never kills mail');
      assert.doesNotMatch(m.log(), new RegExp(PASSWORD));
    });
});

test('the mailer refuses to start with AUTH over a relay without required TLS', async () => {
  const m = startMailer(s, {
    name: 'mailer-bad-conf',
    conf: 'smtp_host = mail.example.net\nsmtp_starttls = opportunistic\nsmtp_user = mailer\n',
    env: { MEMBERD_SMTP_PASSWORD: PASSWORD },
  });
  const { code } = await m.exited;
  assert.equal(code, 1);
  assert.match(m.log(), /smtp_user: AUTH to mail\.example\.net without smtp_starttls = required/);
});

test('the mailer refuses a lease shorter than its SMTP timeouts allow', async () => {
  const m = startMailer(s, { name: 'mailer-short-lease', conf: 'smtp_command_timeout = 60s\nmailer_lease = 5m\n' });
  const { code } = await m.exited;
  assert.equal(code, 1);
  assert.match(m.log(), /mailer_lease: 300s is too short: it must be at least .* = 600s/);
});
