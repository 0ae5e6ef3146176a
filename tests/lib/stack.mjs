// A throwaway memberd stack for one test file: PostgreSQL, SMTP catcher,
// memberd, mailer and nginx on free loopback ports in a temporary
// directory, started with the same tools/stack.sh as the developer stack.
// It never touches var/. stop() fails the test when a sanitizer spoke.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkResponse } from './openapi.mjs';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// The sanitizer build by default: every request path runs under ASan/UBSan.
export const BIN = process.env.MEMBERD_TEST_BIN || path.join(REPO, 'build/asan');

export async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function freePorts(n) {
  const ports = new Set();
  while (ports.size < n) ports.add(await freePort());
  return [...ports];
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function waitFor(what, fn, { timeout = 15000, interval = 100 } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what} (last: ${last})`);
    await sleep(interval);
  }
}

// Options: workers, catcher (false: bring your own SMTP server), mailer,
// webhooks (true: start memberd-webhooks; the test brings its receiver),
// billing (true: the echo service behind /billing/, tools/echo-upstream.mjs),
// smtpPort, conf (extra memberd.conf lines), pgLocale (the cluster's
// locale, e.g. 'C.UTF-8'; none by default), fast (false: PostgreSQL with
// fsync, as in production; true by default).
export async function startStack(opts = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memberd-test-'));
  fs.chmodSync(dir, 0o755);
  const [httpPort, pgPort, catcherPort, bouncerPort] = await freePorts(4);
  // MEMBERD_TEST_PGBOUNCER=1: memberd and memberctl through PgBouncer in
  // transaction mode (tools/run-tests.sh runs the API suites so, again)
  const bouncer = process.env.MEMBERD_TEST_PGBOUNCER === '1' && opts.pgbouncer !== false;
  const smtpPort = opts.smtpPort || catcherPort;
  const env = {
    ...process.env,
    STACK_DIR: dir,
    STACK_BIN: BIN,
    STACK_FAST: opts.fast === false ? '0' : '1',
    STACK_WORKERS: String(opts.workers ?? 2),
    STACK_CATCHER: opts.catcher === false ? '0' : '1',
    STACK_MAILER: opts.mailer === false ? '0' : '1',
    STACK_WEBHOOKS: opts.webhooks ? '1' : '0',
    STACK_RECEIVER: '0',
    STACK_BILLING: opts.billing ? '1' : '0',
    STACK_EXTRA_CONF: opts.conf || '',
    STACK_PG_LOCALE: opts.pgLocale || '',
    STACK_PGBOUNCER: bouncer ? '1' : '0',
    MEMBERD_PGBOUNCER_PORT: String(bouncerPort),
    MEMBERD_HTTP_PORT: String(httpPort),
    MEMBERD_PG_PORT: String(pgPort),
    MEMBERD_SMTP_PORT: String(smtpPort),
    ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0:exitcode=23',
    UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1',
    LSAN_OPTIONS: `suppressions=${path.join(REPO, 'tests/lsan.supp')}:print_suppressions=0`,
  };
  const stackSh = (cmd, ...args) => {
    const r = spawnSync(path.join(REPO, 'tools/stack.sh'), [cmd, ...args], { env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`stack.sh ${cmd} failed:\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  };
  try {
    stackSh('up');
  } catch (e) {
    stackSh('down');
    throw e;
  }
  const url = `http://127.0.0.1:${httpPort}`;
  const logDir = path.join(dir, 'log');
  const runDir = fs.realpathSync(path.join(dir, 'run'));
  const pidOf = (name) => Number(fs.readFileSync(path.join(runDir, `${name}.pid`), 'utf8'));

  const stack = {
    dir, url, env, httpPort, pgPort, smtpPort, logDir, bin: BIN, bouncer,
    mailDir: path.join(dir, 'mail', 'new'),
    confPath: path.join(dir, 'memberd.conf'),

    // fetch with JSON in and out: {status, headers, json, text}; the answer
    // must match docs/openapi.json (tests/lib/openapi.mjs)
    async api(p, { method = 'GET', body, headers = {}, raw } = {}) {
      const h = { ...headers };
      let b = raw;
      if (body !== undefined) {
        b = JSON.stringify(body);
        h['content-type'] ??= 'application/json';
      }
      const res = await fetch(url + p, { method, headers: h, body: b, redirect: 'manual' });
      const text = await res.text();
      checkResponse({ method, url: url + p, status: res.status, headers: res.headers, text });
      let json;
      try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
      return { status: res.status, headers: res.headers, json, text };
    },

    // Rows of a query as arrays of strings (psql, unaligned).
    sql(query, { user = 'memberd' } = {}) {
      const out = execFileSync('psql', ['-X', '-q', '-At', '-F', '\t', '-v', 'ON_ERROR_STOP=1',
        '-h', '127.0.0.1', '-p', String(pgPort), '-U', user, '-d', 'memberd', '-c', query],
        { encoding: 'utf8' });
      return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
    },

    memberctl(args, { input } = {}) {
      return spawnSync(path.join(BIN, 'memberctl'), ['-c', stack.confPath, ...args],
        { env, input, encoding: 'utf8' });
    },

    pgStop() { stackSh('pg-stop'); },
    pgStart() { stackSh('pg-start'); },
    pgRestart(mode = 'fast') { stackSh('pg-restart', mode); },
    memberdPid: () => pidOf('memberd'),
    mailerPid: () => pidOf('mailer'),
    webhooksPid: () => pidOf('webhooks'),
    keyPath: path.join(dir, 'secret.key'),
    workerPids() {
      const parent = pidOf('memberd');
      const r = spawnSync('ps', ['-o', 'pid=', '--ppid', String(parent)], { encoding: 'utf8' });
      return r.stdout.split('\n').map((s) => Number(s.trim())).filter(Boolean);
    },
    log(name) {
      try { return fs.readFileSync(path.join(logDir, name), 'utf8'); } catch { return ''; }
    },

    // Messages caught by the SMTP catcher, oldest first: [{file, raw}]
    mails() {
      let names = [];
      try { names = fs.readdirSync(stack.mailDir).sort(); } catch { /* none yet */ }
      return names.map((f) => ({ file: f, raw: fs.readFileSync(path.join(stack.mailDir, f), 'utf8') }));
    },
    async waitForMail(pred, opts2) {
      return waitFor('a caught email', () => stack.mails().find((m) => pred(m.raw)), opts2);
    },

    // Stop everything; throw when a sanitizer reported anything.
    async stop() {
      stackSh('down');
      const bad = [];
      for (const f of fs.readdirSync(logDir)) {
        const text = stack.log(f);
        if (/ERROR: (Address|Leak)Sanitizer|runtime error:/.test(text)) bad.push(f);
      }
      if (bad.length) {
        const detail = bad.map((f) => `--- ${f}\n${stack.log(f).slice(-6000)}`).join('\n');
        throw new Error(`sanitizer reports in ${bad.join(', ')} (stack kept in ${dir}):\n${detail}`);
      }
      if (!process.env.MEMBERD_KEEP_STACK) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}
