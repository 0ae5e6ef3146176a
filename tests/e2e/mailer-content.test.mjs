// What arrives is what was queued: non-ASCII subject, name and body intact
// through a real MIME parser, a line starting with "." intact, one
// Message-ID per row reused on every attempt, and no header injection.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { startStack, waitFor } from '../lib/stack.mjs';
import { startSmtpPeer } from '../lib/smtp-peer.mjs';
import { startMailer, waitAllSent } from '../lib/mailer.mjs';

const q = (v) => `'${String(v).replaceAll("'", "''")}'`;

let s, peer, m;
before(async () => {
  s = await startStack({ catcher: false, mailer: false, workers: 1 });
  // the first offer of each message is refused, so every one is sent twice
  peer = await startSmtpPeer({ onData: ({ attempt }) => (attempt === 1 ? 451 : null) });
  m = startMailer(s, {
    name: 'mailer-content',
    conf: `smtp_port = ${peer.port}\nmailer_backoff_unit = 10ms\nmailer_poll_interval = 1s\n`
      + 'mail_from = noreply@portal.example\nmail_from_name = Hosting Ünited — Support\n',
  });
});
after(async () => {
  assert.equal((await m.stop()).code, 0);
  await peer.close();
  await s?.stop();
});

function queue({ to, name = '', subject, text, html = null }) {
  return Number(s.sql(`INSERT INTO email_queue (template, recipient, recipient_name, subject, body_text, body_html)
    VALUES ('test', ${q(to)}, ${q(name)}, ${q(subject)}, ${q(text)}, ${html === null ? 'NULL' : q(html)})
    RETURNING id`)[0][0]);
}

test('a non-ASCII subject, names and bodies arrive intact', async () => {
  const subject = 'Einladung: Zugriff auf „Müller & Söhne GmbH“ — 7 Tage gültig ✓ ' + 'ä'.repeat(40);
  const text = 'Grüße, Zoë!\nДобро пожаловать. 欢迎。\n\nLink: https://portal.example/invite#abc\n';
  const html = '<p>Grüße, <b>Zoë</b>! 欢迎</p>';
  const id = queue({ to: 'zoe@example.org', name: 'Zoë Ångström-Łukasiewicz', subject, text, html });
  await waitAllSent(s, 1);
  const got = peer.accepted.find((a) => a.to[0] === 'zoe@example.org');
  for (const line of got.raw.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 998, 'lines of at most 998 octets');
  assert.match(got.raw, /^Subject: =\?UTF-8\?B\?/m, 'RFC 2047 for a non-ASCII subject');
  const p = await simpleParser(got.raw);
  assert.equal(p.subject, subject);
  assert.equal(p.to.value[0].name, 'Zoë Ångström-Łukasiewicz');
  assert.equal(p.to.value[0].address, 'zoe@example.org');
  assert.equal(p.from.value[0].name, 'Hosting Ünited — Support');
  assert.equal(p.from.value[0].address, 'noreply@portal.example');
  assert.equal(p.text.replace(/\r\n/g, '\n').trimEnd(), text.trimEnd());
  assert.equal(p.html.trim(), html);
  assert.ok(p.date instanceof Date && !Number.isNaN(p.date.getTime()));
  assert.equal(p.headers.get('mime-version'), '1.0');
  const [[mid]] = s.sql(`SELECT message_id FROM email_queue WHERE id = ${id}`);
  assert.equal(p.messageId, mid, 'the Message-ID is the one stored on the row');
});

test('a body line starting with "." arrives intact', async () => {
  const text = '.\n.hidden\n..two dots\n. a dot and a space\nend\n.\n';
  queue({ to: 'dots@example.org', subject: 'Dots', text });
  await waitFor('the message', () => peer.accepted.find((a) => a.to[0] === 'dots@example.org'));
  const got = peer.accepted.find((a) => a.to[0] === 'dots@example.org');
  const p = await simpleParser(got.raw);
  assert.equal(p.text.replace(/\r\n/g, '\n'), text);
});

test('every attempt carries the same Message-ID', async () => {
  const id = queue({ to: 'again@example.org', subject: 'Twice', text: 'hello\n' });
  await waitFor('delivery', () => s.sql(`SELECT state FROM email_queue WHERE id = ${id}`)[0][0] === 'sent');
  const [[mid, attempts]] = s.sql(`SELECT message_id, attempts FROM email_queue WHERE id = ${id}`);
  assert.equal(attempts, '2');
  assert.equal(peer.seen.get(mid), 2, 'the refused and the accepted attempt had the same Message-ID');
  assert.match(mid, /^<\d+\.[0-9a-f]{16}@portal\.example>$/);
});

test('an address that would break a header is refused before any SMTP', async () => {
  const id = queue({ to: 'victim@example.org>, <other@example.net', subject: 'Injected', text: 'x\n' });
  const [[state, err]] = await waitFor('the row to be dead', () => {
    const r = s.sql(`SELECT state, last_error FROM email_queue WHERE id = ${id} AND state = 'dead'`);
    return r.length === 1 && r;
  });
  assert.equal(state, 'dead');
  assert.match(err, /refused locally/);
  assert.ok(!peer.accepted.some((a) => a.raw.includes('other@example.net')));
  // the schema itself refuses control characters in a header field
  s.sql(`DO $$ BEGIN
      INSERT INTO email_queue (template, recipient, subject, body_text)
        VALUES ('test', 'a@example.org', E'Hi\\r\\nBcc: x@example.net', 'x');
      RAISE EXCEPTION 'a subject holding CR LF was accepted';
    EXCEPTION WHEN check_violation THEN NULL;
    END $$`);
});
