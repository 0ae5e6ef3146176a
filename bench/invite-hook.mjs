// bench/invite-hook.mjs [N]: what one webhook endpoint on invite.* adds to
// an invitation's creation as a caller sees it: POST
// /api/v1/admin/clients/{id}/users (an administrator's session, send_invite,
// a new address each time) through nginx, one request at a time, timed
// from the caller. Blocks of 50 requests alternate between the endpoint
// disabled and enabled, N (1,000) requests an arm, after 200 to warm up;
// prints each arm's median and quartiles in microseconds and the
// difference of the medians (target: at most +10 %). memberd-webhooks does
// not run (the rows wait: this is the emit, not the delivery); neither
// does the mailer (both arms queue the same email). A throwaway stack of
// release binaries (build/), PostgreSQL with fsync, one worker.
import path from 'node:path';
import fs from 'node:fs';

const N = Number(process.argv[2] || 1000);
const BLOCK = 50;
process.env.MEMBERD_TEST_BIN ??= path.resolve(path.dirname(new URL(import.meta.url).pathname), '../build');
const { startStack } = await import('../tests/lib/stack.mjs');
const { adminClient, registerUser } = await import('../tests/lib/client.mjs');

const s = await startStack({ mailer: false, workers: 1, fast: false,
  conf: 'invite_pending_limit = 100000\ninvite_sends_per_day = 1000000\n' });
const quantile = (xs, q) => { const a = [...xs].sort((x, y) => x - y); return a[Math.min(a.length - 1, Math.floor(q * a.length))]; };
try {
  const admin = await adminClient(s);
  const [, u] = await registerUser(s);
  const clients = [];
  for (let i = 0; i < 10; i++) {
    const r = await admin.post('/api/v1/admin/clients', { company_name: `Bench ${i}`, first_name: 'A', last_name: 'B', owner: { user_id: u.id } });
    if (r.status !== 201) throw new Error(`client: ${r.status} ${r.text}`);
    clients.push(r.json.client.id);
  }
  const add = s.memberctl(['webhook', 'add', 'http://127.0.0.1:9/bench', '--events', 'invite.*']);
  if (add.status !== 0) throw new Error(add.stderr);
  const id = /endpoint (\d+)/.exec(add.stdout)[1];
  const set = (on) => { const r = s.memberctl(['webhook', on ? 'enable' : 'disable', id]); if (r.status !== 0) throw new Error(r.stderr); };
  let k = 0;
  const invite = async () => {
    k++;
    const t0 = process.hrtime.bigint();
    const r = await admin.post(`/api/v1/admin/clients/${clients[k % clients.length]}/users`,
      { email: `hook${k}@example.org`, permissions: ['domains', 'invoices'], send_invite: true });
    const us = Number(process.hrtime.bigint() - t0) / 1000;
    if (r.status !== 201) throw new Error(`invite: ${r.status} ${r.text}`);
    return us;
  };
  const arms = { off: [], on: [] };
  set(false);
  for (let i = 0; i < 200; i++) await invite();
  for (let b = 0; b < 2 * N / BLOCK; b++) {
    const arm = b % 4 === 0 || b % 4 === 3 ? 'off' : 'on';	/* ABBA: the table grows */
    set(arm === 'on');
    for (let i = 0; i < BLOCK; i++) arms[arm].push(await invite());
  }
  const rows = s.sql("SELECT count(*) FROM webhook_deliveries WHERE type = 'invite.created'")[0][0];
  for (const arm of ['off', 'on'])
    console.log(`endpoint ${arm.padEnd(3)}  median ${quantile(arms[arm], 0.5).toFixed(0)} us, quartiles ${quantile(arms[arm], 0.25).toFixed(0)}-${quantile(arms[arm], 0.75).toFixed(0)} us (${arms[arm].length} invitations)`);
  const m0 = quantile(arms.off, 0.5), m1 = quantile(arms.on, 0.5);
  console.log(`one endpoint adds ${(m1 - m0).toFixed(0)} us: ${((m1 - m0) / m0 * 100).toFixed(1)} % (target: at most +10 %; ${rows} delivery rows written)`);
  console.log(`load: ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
} finally {
  await s.stop();
}
