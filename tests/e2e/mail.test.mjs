// A row put into email_queue reaches a real SMTP server intact.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { simpleParser } from 'mailparser';
import { startStack, waitFor } from '../lib/stack.mjs';

let s;
before(async () => { s = await startStack(); });
after(async () => { await s?.stop(); });

const q = (v) => `'${String(v).replaceAll("'", "''")}'`;

test('a queued email arrives at the SMTP server with subject and bodies intact', async () => {
  const subject = 'Willkommen bei memberd — Grüße ' + Date.now();
  const text = 'Hello Zoë,\n.a line that starts with a dot\nFrom the start of a line\n' + 'long '.repeat(60) + '\n';
  const html = '<p>Hello <b>Zoë</b></p>';
  s.sql(`INSERT INTO email_queue (template, recipient, recipient_name, subject, body_text, body_html)
         VALUES ('test', 'zoe@example.org', 'Zoë Ångström', ${q(subject)}, ${q(text)}, ${q(html)})`);
  const mail = await s.waitForMail((raw) => raw.includes('zoe@example.org'));
  for (const line of mail.raw.split('\r\n')) assert.ok(Buffer.byteLength(line) <= 998);
  const parsed = await simpleParser(mail.raw);
  assert.equal(parsed.subject, subject);
  assert.equal(parsed.to.value[0].address, 'zoe@example.org');
  assert.equal(parsed.to.value[0].name, 'Zoë Ångström');
  assert.equal(parsed.text.replace(/\r\n/g, '\n').trimEnd(), text.trimEnd());
  assert.equal(parsed.html.trim(), html);
  assert.match(parsed.messageId, /^<.+@example\.com>$/);

  const [[state, bodyGone, msgid]] = await waitFor('the row marked sent', () => {
    const rows = s.sql(`SELECT state, body_text IS NULL AND body_html IS NULL, message_id FROM email_queue WHERE subject = ${q(subject)}`);
    return rows[0][0] === 'sent' && rows;
  });
  assert.equal(state, 'sent');
  assert.equal(bodyGone, 't', 'the bodies of a sent mail are erased');
  assert.equal(msgid, parsed.messageId);
});
