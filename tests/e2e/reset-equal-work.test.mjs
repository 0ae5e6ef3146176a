// POST /api/v1/auth/password-reset does the same work for an address
// nobody has, for a user past the mail cap, and for a user who gets a
// link: the same statements in the same order (read from PostgreSQL's own
// statement log, not timed), the same 202, and a committed write in each
// case. Only the rows differ: a link and its email for the user.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, registerUser, uniqueEmail } from '../lib/client.mjs';
import { startStack, waitFor } from '../lib/stack.mjs';

let s;
before(async () => {
  s = await startStack({ workers: 1, mailer: false });
  // every statement, with the session's application name in front
  s.sql("ALTER SYSTEM SET log_statement = 'all'", { user: 'postgres' });
  s.sql("ALTER SYSTEM SET log_line_prefix = '%a|'", { user: 'postgres' });
  s.sql('SELECT pg_reload_conf()', { user: 'postgres' });
});
after(async () => { await s?.stop(); });

let marks = 0;
// The statements memberd ran for one request, as PostgreSQL logged them.
async function statementsOf(email) {
  marks += 1;
  const mark = `reset-mark-${process.pid}-${marks}`;
  s.sql(`SELECT '${mark}-begin'`);
  const r = await new Client(s.url).post('/api/v1/auth/password-reset', { email });
  s.sql(`SELECT '${mark}-end'`);
  const log = await waitFor('the marks in the log', () => {
    const text = s.log('postgresql.log');
    return text.includes(`${mark}-end`) ? text : null;
  });
  const part = log.slice(log.indexOf(`${mark}-begin`), log.indexOf(`${mark}-end`));
  const statements = part.split('\n')
    .filter((l) => l.startsWith('memberd|') && /LOG: {2}(statement|execute)/.test(l))
    .map((l) => l.replace(/^memberd\|LOG: {2}/, ''));
  return { r, statements };
}

function answerOf(r) {
  return { status: r.status, body: r.text, type: r.headers.get('content-type') };
}

test('known, unknown and capped addresses run the same statements and get the same 202', async () => {
  const [, user] = await registerUser(s, { email: uniqueEmail('reset-known') });
  const [, capped] = await registerUser(s, { email: uniqueEmail('reset-capped') });
  for (let i = 0; i < 5; i++) {
    assert.equal((await new Client(s.url).post('/api/v1/auth/password-reset', { email: capped.email })).status, 202);
  }
  const known = await statementsOf(user.email);
  const unknown = await statementsOf(uniqueEmail('reset-nobody'));
  const over = await statementsOf(capped.email);

  assert.ok(known.statements.length >= 5, known.statements.join('\n'));
  assert.ok(known.statements.some((x) => /INSERT INTO password_resets/.test(x)), known.statements.join('\n'));
  assert.ok(known.statements.some((x) => /INSERT INTO email_queue/.test(x)), known.statements.join('\n'));
  assert.deepEqual(unknown.statements, known.statements, 'an unknown address');
  assert.deepEqual(over.statements, known.statements, 'a user past the cap');

  assert.equal(known.r.status, 202);
  assert.deepEqual(answerOf(unknown.r), answerOf(known.r));
  assert.deepEqual(answerOf(over.r), answerOf(known.r));

  // only the user got a link and an email
  assert.equal(s.sql(`SELECT count(*) FROM password_resets WHERE user_id = ${user.id}`)[0][0], '1');
  assert.equal(s.sql(`SELECT count(*) FROM password_resets WHERE user_id = ${capped.id}`)[0][0], '5');
  assert.equal(s.sql(`SELECT count(*) FROM email_queue WHERE recipient = '${user.email}' AND template = 'password_reset'`)[0][0], '1');
  assert.equal(s.sql(`SELECT count(*) FROM email_queue WHERE recipient LIKE 'reset-nobody%'`)[0][0], '0');
  // and each request left its audit row, sent or not
  const rows = s.sql(`SELECT actor_name, details->>'sent' FROM audit_log
    WHERE action = 'password_reset_requested' ORDER BY id DESC LIMIT 3`);
  assert.deepEqual(rows.map((x) => x[1]), ['false', 'false', 'true']);
  assert.match(rows[1][0], /^reset-nobody/);
});
