// bench/reset-timing.mjs [N]: does POST /api/v1/auth/password-reset take
// as long for an address nobody has as for a user's (and for a user past
// the mail cap)? The answer is the same 202; its time must not tell them
// apart. N requests of each kind (default 400), interleaved, one at a
// time, on a throwaway stack of release binaries (build/); the figures are
// memberd's own request times from its access log, so nginx and the
// client add no noise. Not a test: a timed result on a shared machine is a
// figure to read, reported with its spread.
import fs from 'node:fs';
import path from 'node:path';

const N = Number(process.argv[2] || 400);
process.env.MEMBERD_TEST_BIN ??= path.resolve(path.dirname(new URL(import.meta.url).pathname), '../build');
const { startStack } = await import('../tests/lib/stack.mjs');

// BENCH_FSYNC=1: PostgreSQL with fsync and synchronous commit, as in production
const s = await startStack({ workers: 1, mailer: false, fast: process.env.BENCH_FSYNC !== '1' });
try {
  const tag = `${process.pid}.${Date.now()}`;
  s.sql(`INSERT INTO users (email, first_name, last_name)
    SELECT 'known.' || i || '.${tag}@example.com', 'Kay', 'Known' FROM generate_series(1, ${N}) i`);
  s.sql(`INSERT INTO users (email, first_name, last_name) VALUES ('capped.${tag}@example.com', 'Cap', 'Ped')`);
  const ask = async (email) => {
    const r = await s.api('/api/v1/auth/password-reset', { method: 'POST', body: { email } });
    if (r.status !== 202) throw new Error(`${email}: ${r.status} ${r.text}`);
    return r.headers.get('x-request-id');
  };
  // warm up: the worker's prepared statements, the capped user's 5 links
  for (let i = 0; i < 5; i++) await ask(`capped.${tag}@example.com`);
  for (let i = 0; i < 20; i++) await ask(`warm.${i}.${tag}@example.com`);

  const ids = { known: [], unknown: [], capped: [] };
  for (let i = 1; i <= N; i++) {
    const order = i % 2 ? ['known', 'unknown', 'capped'] : ['capped', 'unknown', 'known'];
    for (const kind of order) {
      const email = kind === 'known' ? `known.${i}.${tag}@example.com`
        : kind === 'unknown' ? `nobody.${i}.${tag}@example.com` : `capped.${tag}@example.com`;
      ids[kind].push(await ask(email));
    }
  }
  await new Promise((r) => setTimeout(r, 500));
  const log = fs.readFileSync(path.join(s.logDir, 'memberd.log'), 'utf8');
  const us = new Map();
  for (const m of log.matchAll(/req=(\S+) POST \/api\/v1\/auth\/password-reset 202 (\d+)us/g)) us.set(m[1], Number(m[2]));
  const q = (a, p) => a[Math.min(a.length - 1, Math.floor(p * a.length))];
  console.log(`POST /api/v1/auth/password-reset, ${N} of each, memberd's time in ms`);
  console.log('kind      median   mean    p10     p90');
  for (const [kind, list] of Object.entries(ids)) {
    const t = list.map((id) => us.get(id)).filter((x) => x !== undefined).sort((a, b) => a - b);
    if (t.length !== list.length) throw new Error(`${kind}: ${list.length - t.length} requests not in the log`);
    const mean = t.reduce((a, b) => a + b, 0) / t.length;
    const f = (x) => (x / 1000).toFixed(3).padStart(6);
    console.log(`${kind.padEnd(8)} ${f(q(t, 0.5))} ${f(mean)} ${f(q(t, 0.1))} ${f(q(t, 0.9))}`);
  }
} finally {
  await s.stop();
}
