// A webhook receiver in the test process, an endpoint registered for it
// with memberctl, a memberd-webhooks started beside a stack, and the
// Standard Webhooks signature check a receiver makes.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

// handler(req, res, r, n) answers (204 by default); every request is kept
// in got as {path, headers, body}.
export async function receiver(handler = (req, res) => { res.writeHead(204); res.end(); }) {
  const got = [];
  const srv = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const r = { path: req.url, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      got.push(r);
      handler(req, res, r, got.length);
    });
  });
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  return {
    got, url: `http://127.0.0.1:${srv.address().port}`,
    close: () => new Promise((r) => { srv.closeAllConnections(); srv.close(r); }),
  };
}

let seq = 0;
// Register url for events with a secret of our own: {id, secret}.
export function addEndpoint(s, url, events = '*') {
  const secret = 'whsec_' + crypto.randomBytes(32).toString('base64');
  const f = path.join(s.dir, `secret-${process.pid}-${++seq}`);
  fs.writeFileSync(f, secret + '\n', { mode: 0o600 });
  const r = s.memberctl(['webhook', 'add', url, '--events', events, '--secret-file', f]);
  assert.equal(r.status, 0, r.stderr);
  return { id: Number(/endpoint (\d+)/.exec(r.stdout)[1]), secret };
}

// memberd-webhooks with the stack's configuration and conf appended.
export function deliverer(s, name, conf = '') {
  const confPath = path.join(s.dir, `${name}.conf`);
  fs.writeFileSync(confPath, fs.readFileSync(s.confPath, 'utf8') + '\n' + conf);
  const out = fs.openSync(path.join(s.logDir, `${name}.log`), 'a');
  const proc = spawn(path.join(s.bin, 'memberd-webhooks'), ['-c', confPath], { env: s.env, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const exited = new Promise((r) => proc.on('exit', (code, signal) => r({ code, signal })));
  return {
    proc, exited, log: () => s.log(`${name}.log`),
    async stop() { if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM'); return exited; },
  };
}

// What a receiver does with the headers and the raw body (README, Webhooks).
export function verify(secret, h, body) {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const mac = crypto.createHmac('sha256', key).update(`${h['webhook-id']}.${h['webhook-timestamp']}.${body}`).digest('base64');
  return h['webhook-signature'].split(' ').includes(`v1,${mac}`);
}
