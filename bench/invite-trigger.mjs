// bench/invite-trigger.mjs [N]: what the webhook trigger of an
// invitation (sql/011_webhook_events.sql) adds to the statement that
// writes it, in one warm session, away from the noise of throughput: the
// three inserts of an invitation (its email, itself, its audit entry, as
// include/domain/access_sql.h writes them) timed N times (default 300)
// in each of three arms, three rounds in turn: the trigger off (the schema
// before 011), the trigger with no endpoint listening, and one endpoint
// on invite.*. Prints each arm's median and 10th percentile in
// microseconds. A throwaway stack of release binaries (build/), one
// transaction rolled back at the end; PostgreSQL with fsync.
import path from 'node:path';

const N = Number(process.argv[2] || 300);
process.env.MEMBERD_TEST_BIN ??= path.resolve(path.dirname(new URL(import.meta.url).pathname), '../build');
const { startStack } = await import('../tests/lib/stack.mjs');
const { adminClient, registerUser } = await import('../tests/lib/client.mjs');

const s = await startStack({ mailer: false, workers: 1, fast: false });
try {
  const admin = await adminClient(s);
  const [, u] = await registerUser(s);
  const c = (await admin.post('/api/v1/admin/clients', { company_name: 'Bench', first_name: 'A', last_name: 'B', owner: { user_id: u.id } })).json.client;
  const add = s.memberctl(['webhook', 'add', 'http://127.0.0.1:9/bench', '--events', 'invite.*']);
  if (add.status !== 0) throw new Error(add.stderr);
  const arm = (name, setup) => `
${setup}
DO $$
DECLARE t0 timestamptz; k int;
BEGIN
  FOR j IN 1..${N} LOOP
    k := nextval('seq');
    t0 := clock_timestamp();
    WITH e AS (INSERT INTO email_queue (template, recipient, subject, body_text, body_html)
      VALUES ('invite', 'p' || k || '@example.org', 'Account Access Invitation', repeat('t', 2000), repeat('h', 4000)) RETURNING id),
      i AS (INSERT INTO invites (client_id, email, token_hash, permissions, created_by_kind, inviter_name, expires_at, last_email_id)
      SELECT ${c.id}, 'p' || k || '@example.org', decode(md5(k::text), 'hex'), '{domains,invoices}', 'admin', 'Ada Admin',
        now() + interval '7 days', e.id FROM e RETURNING *)
      INSERT INTO audit_log (actor_kind, actor_name, client_id, action, details)
      SELECT 'admin', 'Ada Admin', client_id, 'invite_created', jsonb_build_object('invite_id', id) FROM i;
    INSERT INTO timing VALUES ('${name}', extract(epoch FROM clock_timestamp() - t0) * 1e6);
  END LOOP;
END $$;`;
  const rounds = [1, 2, 3].map(() =>
    arm('trigger off', 'ALTER TABLE invites DISABLE TRIGGER invites_webhook_insert; UPDATE webhook_endpoints SET enabled = false;') +
    arm('no endpoint', 'ALTER TABLE invites ENABLE TRIGGER invites_webhook_insert;') +
    arm('one endpoint', 'UPDATE webhook_endpoints SET enabled = true;')).join('\n');
  const rows = s.sql(`CREATE TEMP TABLE timing (arm text, us float8); CREATE TEMP SEQUENCE seq;
BEGIN;
${rounds}
SELECT arm, round(percentile_cont(0.5) WITHIN GROUP (ORDER BY us)::numeric),
  round(percentile_cont(0.1) WITHIN GROUP (ORDER BY us)::numeric), count(*) FROM timing GROUP BY arm
  ORDER BY array_position(ARRAY['trigger off', 'no endpoint', 'one endpoint'], arm);
ROLLBACK;`);
  for (const [name, med, p10, n] of rows) console.log(`${name.padEnd(13)} median ${med} us, p10 ${p10} us (${n} invitations)`);
  const load = (await import('node:fs')).readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`load: ${load}`);
} finally {
  await s.stop();
}
