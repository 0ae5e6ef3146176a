// memberd-mailer processes started by a test on a stack made with
// startStack({ mailer: false }), so the test holds their pids: to stop them
// with SIGTERM, kill them with SIGKILL, or run two side by side. Their
// output goes to the stack's log directory, where stack.stop() looks for
// sanitizer reports.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { waitFor } from './stack.mjs';

// Queue n messages in one transaction; returns their ids.
export function enqueue(stack, n, { prefix = 'm', domain = 'example.org', text, html, subject } = {}) {
  const q = (v) => `'${String(v).replaceAll("'", "''")}'`;
  const rows = stack.sql(`INSERT INTO email_queue (template, recipient, subject, body_text, body_html)
    SELECT 'test', ${q(prefix)} || g || '@' || ${q(domain)},
           ${subject ? q(subject) : `'Test message ' || g`},
           ${text ? q(text) : `'Hello number ' || g || E'\\n'`},
           ${html ? q(html) : 'NULL'}
    FROM generate_series(1, ${n}) g RETURNING id`);
  return rows.map((r) => Number(r[0]));
}

export function stateCounts(stack) {
  const c = { queued: 0, sending: 0, sent: 0, failed: 0, dead: 0 };
  for (const [state, n] of stack.sql('SELECT state, count(*) FROM email_queue GROUP BY state')) c[state] = Number(n);
  return c;
}

export async function waitAllSent(stack, n, timeout = 30000) {
  return waitFor(`${n} rows sent`, () => {
    const c = stateCounts(stack);
    return c.sent === n ? c : false;
  }, { timeout, interval: 200 });
}

// Start a mailer with the stack's configuration plus extra lines.
export function startMailer(stack, { name = 'mailer', conf = '', env = {} } = {}) {
  const confPath = path.join(stack.dir, `${name}.conf`);
  fs.writeFileSync(confPath, fs.readFileSync(stack.confPath, 'utf8') + '\n' + conf + '\n');
  const logPath = path.join(stack.logDir, `${name}.log`);
  const out = fs.openSync(logPath, 'a');
  const proc = spawn(path.join(stack.bin, 'memberd-mailer'), ['-c', confPath],
    { env: { ...stack.env, ...env }, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })));
  return {
    name, proc, pid: proc.pid, exited, confPath,
    log: () => fs.readFileSync(logPath, 'utf8'),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
      return exited;
    },
    async kill() {
      proc.kill('SIGKILL');
      return exited;
    },
  };
}
