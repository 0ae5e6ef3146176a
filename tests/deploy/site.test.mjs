// The production nginx site in front of memberd started the way systemd
// starts it: the socket made and passed by systemd-socket-activate (which
// execs memberd on the first connection, as memberd.socket does), READY=1
// and friends read from a NOTIFY_SOCKET of our own. nginx runs the site as
// installed by make install, with a throwaway certificate on free ports.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { BIN, freePort, sleep, startStack, waitFor } from '../lib/stack.mjs';
import {
  IS_ROOT, installTree, makeCert, nginx, notifyListener, renderSite, request, tmpDir,
} from './lib.mjs';

let stack, tree, dir, site, cert, notify, activator, memberdLog, httpPort, httpsPort, sock;
let memberdExit;

const https = (p, opts = {}) => request(`https://127.0.0.1:${httpsPort}${p}`, { ca: cert.certPem, ...opts });
const post = (p, body, headers = {}) => https(p, {
  method: 'POST', body, headers: { 'content-type': 'application/json', ...headers },
});

// Pages the portal issue will ship; stand-ins until then, in the tree only.
const PAGES = { 'login.html': 'login', 'invite.html': 'invite', 'reset-password.html': 'reset',
  'portal/index.html': 'portal', 'admin/index.html': 'admin' };

before(async () => {
  stack = await startStack({ workers: 1, mailer: false, catcher: false });
  tree = installTree();
  dir = tmpDir('memberd-site-');
  const www = path.join(tree, 'usr/local/share/memberd/www');
  for (const [f, body] of Object.entries(PAGES)) {
    const p = path.join(www, f);
    if (fs.existsSync(p)) continue;
    fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o755 });
    fs.writeFileSync(p, `<!doctype html><title>${body}</title>\n`, { mode: 0o644 });
  }
  cert = makeCert(dir);
  cert.certPem = fs.readFileSync(cert.cert);
  [httpPort, httpsPort] = [await freePort(), await freePort()];
  sock = path.join(dir, 'memberd.sock');
  site = renderSite(tree, { dir, httpPort, httpsPort, sock, cert: cert.cert, key: cert.key });

  notify = await notifyListener(path.join(dir, 'notify.sock'));
  memberdLog = path.join(dir, 'memberd.log');
  const log = fs.openSync(memberdLog, 'a');
  activator = spawn('systemd-socket-activate', ['-l', sock,
    '-E', `NOTIFY_SOCKET=${notify.path}`, path.join(BIN, 'memberd'), '-c', stack.confPath],
  { env: stack.env, stdio: ['ignore', log, log] });
  memberdExit = new Promise((resolve) => activator.on('exit', (code, sig) => resolve({ code, sig })));
  await waitFor('the activated socket', () => fs.existsSync(sock));
  // What memberd.socket does: SocketGroup=www-data, SocketMode=0660.
  if (IS_ROOT) execFileSync('chgrp', ['www-data', sock]);
  fs.chmodSync(sock, 0o660);
  const r = nginx(dir, site.conf);
  assert.equal(r.status, 0, `nginx did not start:\n${r.stderr}`);
});

after(async () => {
  if (site) nginx(dir, site.conf, '-s', 'quit');
  if (activator && activator.exitCode === null) activator.kill('SIGKILL');
  notify?.close();
  await sleep(300);
  if (stack) await stack.stop();
  const text = memberdLog && fs.existsSync(memberdLog) ? fs.readFileSync(memberdLog, 'utf8') : '';
  assert.doesNotMatch(text, /ERROR: (Address|Leak)Sanitizer|runtime error:/, text);
  if (!process.env.MEMBERD_KEEP_STACK) {
    for (const d of [tree, dir]) if (d) fs.rmSync(d, { recursive: true, force: true });
  }
});

test('nginx -t accepts the production site as installed', () => {
  const r = nginx(dir, site.conf, '-t');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /test is successful/);
});

test('the site\'s commented auth_request example, uncommented, is a site nginx -t accepts', () => {
  const text = fs.readFileSync(site.sitePath, 'utf8');
  const example = text.replace(/^(\t?)#(?=[a-z}\t])/gm, '$1');
  assert.match(example, /^\tinclude \S+\/memberd-authz-endpoint\.conf;$/m);
  assert.match(example, /^\t\tauth_request \/_memberd_authz\/invoices;$/m);
  assert.match(example, /^\t\tinclude \S+\/memberd-authz\.conf;$/m);
  const alt = path.join(dir, 'memberd-site-authz.conf');
  fs.writeFileSync(alt, example);
  const conf = path.join(dir, 'nginx-authz.conf');
  fs.writeFileSync(conf, fs.readFileSync(site.conf, 'utf8').split(site.sitePath).join(alt));
  assert.ok(fs.readFileSync(conf, 'utf8').includes(alt), 'nginx reads the uncommented site');
  const r = nginx(dir, conf, '-t');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /test is successful/);
});

test('the first request starts memberd on the passed socket; it answers and says READY=1', async () => {
  assert.equal(notify.messages().length, 0, 'nothing before the first connection');
  const r = await https('/api/v1/health');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { status: 'ok' });
  const ready = await notify.waitMessage(/^READY=1/m, 'READY=1');
  assert.match(ready, new RegExp(`^MAINPID=${activator.pid}$`, 'm'));
  assert.match(fs.readFileSync(memberdLog, 'utf8'), /listening on the socket passed by systemd/);
});

test('plain HTTP redirects to the same place over HTTPS', async () => {
  const r = await request(`http://127.0.0.1:${httpPort}/invite?x=1`,
    { headers: { host: 'portal.example.com' } });
  assert.equal(r.status, 301);
  assert.equal(r.headers.location, 'https://portal.example.com/invite?x=1');
});

test('no redirect names the host a request claims to be for', async () => {
  const plain = await request(`http://127.0.0.1:${httpPort}/portal/?x=1`, { headers: { host: 'evil.example' } });
  assert.equal(plain.status, 301);
  assert.equal(plain.headers.location, 'https://portal.example.com/portal/?x=1');
  for (const p of ['/portal', '/admin']) {
    const r = await https(p, { headers: { host: 'evil.example' } });
    assert.equal(r.status, 301, p);
    assert.equal(r.headers.location, `${p}/`, p);
  }
});

test('pages come with HSTS, a strict CSP, DENY framing and nosniff', async () => {
  for (const p of ['/', '/login', '/portal/', '/admin/', '/no-such-page']) {
    const r = await https(p);
    assert.equal(r.status, p === '/no-such-page' ? 404 : 200, p);
    const h = r.headers;
    assert.match(h['strict-transport-security'], /^max-age=\d{8,}; includeSubDomains$/, p);
    const csp = h['content-security-policy'];
    assert.match(csp, /default-src 'self'/, p);
    assert.match(csp, /script-src 'self';/, p);
    assert.match(csp, /style-src 'self';/, p);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, p);
    assert.match(csp, /frame-ancestors 'none'/, p);
    assert.equal(h['x-frame-options'], 'DENY', p);
    assert.equal(h['x-content-type-options'], 'nosniff', p);
    assert.equal(h['referrer-policy'], 'same-origin', p);
  }
  // /login is login.html and /portal/ is portal/index.html, whatever they hold
  const installed = (f) => fs.readFileSync(path.join(tree, 'usr/local/share/memberd/www', f), 'utf8');
  assert.equal((await https('/login')).text, installed('login.html'));
  assert.equal((await https('/portal/')).text, installed('portal/index.html'));
});

test('the pages that hold a token in their fragment send no Referer', async () => {
  for (const p of ['/invite', '/reset-password']) {
    const r = await https(p);
    assert.equal(r.status, 200, p);
    assert.equal(r.headers['referrer-policy'], 'no-referrer', p);
    assert.ok(r.headers['content-security-policy'], p);
  }
});

test('API answers carry memberd\'s headers once and nginx\'s request id', async () => {
  const r = await https('/api/v1/health');
  const h = r.headers;
  assert.equal(h['cache-control'], 'no-store');
  assert.equal(h['x-content-type-options'], 'nosniff'); // memberd's, not doubled
  assert.equal(h['x-frame-options'], 'DENY');
  assert.match(h['strict-transport-security'], /^max-age=/);
  assert.match(h['content-security-policy'], /default-src 'none'/);
  assert.match(h['x-request-id'], /^[0-9a-f]{32}$/);
  await waitFor('the access line', () => fs.readFileSync(memberdLog, 'utf8')
    .includes(`req=${h['x-request-id']} GET /api/v1/health 200 `));
});

test('/metrics answers this host only: 127.0.0.1 gets the metrics, 127.0.0.2 a 403 from nginx', async () => {
  const ok = await https('/metrics');
  assert.equal(ok.status, 200);
  assert.match(ok.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  assert.match(ok.text, /^memberd_http_requests_total\{method="GET",route="\/api\/v1\/health",status="200"\} \d+$/m);
  assert.match(ok.text, /^memberd_workers\{state="busy"\} 1$/m);
  const other = await https('/metrics', { localAddress: '127.0.0.2' });
  assert.equal(other.status, 403);
  assert.doesNotMatch(other.text, /memberd_/);
  // the rest of the site stays open to that address
  assert.equal((await https('/api/v1/health', { localAddress: '127.0.0.2' })).status, 200);
  // and the access rule is in the site nginx -t accepted, not in a test copy
  assert.match(fs.readFileSync(site.sitePath, 'utf8'), /location = \/metrics \{\s*allow 127\.0\.0\.1;\s*allow ::1;\s*deny all;/);
});

test('a body over 64 KiB is 413 payload_too_large in JSON, from nginx', async () => {
  const r = await post('/api/v1/admin/clients', JSON.stringify({ x: 'a'.repeat(70 * 1024) }));
  assert.equal(r.status, 413);
  assert.match(r.headers['content-type'], /^application\/json/);
  assert.equal(r.json.error.code, 'payload_too_large');
  assert.equal(typeof r.json.error.message, 'string');
  assert.equal(r.headers['cache-control'], 'no-store');
  const long = await https(`/api/v1/admin/users?search=${'x'.repeat(20000)}`);
  assert.equal(long.status, 414);
  assert.equal(long.json.error.code, 'invalid_input');
});

test('over HTTP/2 too, the errors nginx makes itself are JSON', async () => {
  const client = http2.connect(`https://127.0.0.1:${httpsPort}`, { ca: cert.certPem, servername: 'localhost' });
  try {
    const ask = (headers, body) => new Promise((resolve, reject) => {
      const req = client.request(headers);
      let text = '';
      req.setEncoding('utf8');
      req.on('response', (h) => {
        req.on('data', (d) => { text += d; });
        req.on('end', () => resolve({ headers: h, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
    const big = await ask({ ':method': 'POST', ':path': '/api/v1/admin/clients', 'content-type': 'application/json' },
      JSON.stringify({ x: 'a'.repeat(70 * 1024) }));
    assert.equal(big.headers[':status'], 413);
    assert.match(big.headers['content-type'], /^application\/json/);
    assert.equal(JSON.parse(big.text).error.code, 'payload_too_large');
    assert.equal(big.headers['x-frame-options'], 'DENY');
  } finally {
    client.close();
  }
});

test('every endpoint that takes guesses is rate limited: 429 too_many_attempts with Retry-After', async () => {
  for (const p of ['/api/v1/auth/login', '/api/v1/admin/auth/login', '/api/v1/auth/register',
    '/api/v1/auth/password-reset', '/api/v1/auth/password-reset/confirm', '/api/v1/auth/verify-email',
    '/api/v1/invites/lookup', '/api/v1/invites/accept', '/api/v1/invites/decline']) {
    let limited;
    for (let i = 0; i < 30 && !limited; i++) {
      const r = await post(p, '{}');
      if (r.status === 429 && r.json?.error?.code === 'too_many_attempts') limited = r;
    }
    assert.ok(limited, `${p} was never limited`);
    assert.match(limited.headers['content-type'], /^application\/json/, p);
    assert.match(limited.headers['retry-after'], /^\d+$/, p);
    assert.equal(typeof limited.json.error.message, 'string', p);
  }
  // the rest of the API is not limited
  for (let i = 0; i < 30; i++) assert.equal((await https('/api/v1/health')).status, 200);
});

test('what changes members, invitations and clients is rate limited per address; reading is not', async () => {
  // reading: never limited, however often
  for (let i = 0; i < 70; i++) {
    for (const p of ['/api/v1/account/users', '/api/v1/admin/clients']) {
      const r = await https(p);
      assert.notEqual(r.status, 429, `GET ${p} was limited`);
    }
  }
  for (const [method, p] of [['POST', '/api/v1/account/invites'], ['PATCH', '/api/v1/account/users/1'],
    ['DELETE', '/api/v1/admin/clients/1/users/1'], ['POST', '/api/v1/admin/clients']]) {
    let limited;
    let answered = 0;
    for (let i = 0; i < 70 && !limited; i++) {
      const r = await https(p, { method, body: '{}', headers: { 'content-type': 'application/json' } });
      if (r.status === 429) limited = r;
      else answered += 1;
    }
    assert.ok(limited, `${method} ${p} was never limited`);
    // one zone for all of them: the first route spends the burst of 30
    // (less the few POSTs of the tests above)
    if (p === '/api/v1/account/invites') assert.ok(answered >= 25, `limited after ${answered}`);
    assert.match(limited.headers['content-type'], /^application\/json/, p);
    assert.equal(limited.json.error.code, 'too_many_attempts', p);
    assert.equal(typeof limited.json.error.message, 'string', p);
    assert.match(limited.headers['retry-after'], /^\d+$/, p);
    assert.equal(limited.headers['cache-control'], 'no-store', p);
  }
  // reading still goes through
  assert.notEqual((await https('/api/v1/admin/clients')).status, 429);
});

test('SIGHUP replaces the workers: RELOADING=1, READY=1, and no request fails', async () => {
  const before = notify.messages().length;
  const busy = Array.from({ length: 20 }, (_, i) => sleep(i * 10).then(() => https('/api/v1/health')));
  process.kill(activator.pid, 'SIGHUP');
  const results = await Promise.all(busy);
  for (const r of results) assert.equal(r.status, 200, r.text);
  await waitFor('RELOADING=1 then READY=1', () => {
    const m = notify.messages().slice(before);
    const i = m.findIndex((x) => /^RELOADING=1/m.test(x));
    return i >= 0 && m.slice(i + 1).some((x) => /^READY=1/m.test(x));
  });
  assert.equal((await https('/api/v1/health')).status, 200);
});

test('SIGTERM stops memberd cleanly (STOPPING=1, exit 0); nginx then answers 502 in JSON', async () => {
  process.kill(activator.pid, 'SIGTERM');
  await notify.waitMessage(/^STOPPING=1/m, 'STOPPING=1');
  const { code, sig } = await memberdExit;
  assert.equal(sig, null);
  assert.equal(code, 0);
  assert.ok(fs.existsSync(sock), 'the socket is systemd\'s: memberd leaves it in place');
  const r = await https('/api/v1/health');
  assert.equal(r.status, 502);
  assert.equal(r.json.error.code, 'unavailable');
  assert.match(r.headers['content-type'], /^application\/json/);
});

test('memberd-mailer says READY=1 to systemd too, and stops with 0 on SIGTERM', async () => {
  const n = await notifyListener(path.join(dir, 'notify-mailer.sock'));
  try {
    const mailer = spawn(path.join(BIN, 'memberd-mailer'), ['-c', stack.confPath], {
      env: { ...stack.env, NOTIFY_SOCKET: n.path }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    mailer.stderr.on('data', (c) => { err += c; });
    const exit = new Promise((resolve) => mailer.on('exit', (code) => resolve(code)));
    await n.waitMessage(/^READY=1/m, 'READY=1 from the mailer');
    mailer.kill('SIGTERM');
    assert.equal(await exit, 0, err);
    assert.doesNotMatch(err, /Sanitizer|runtime error:/, err);
  } finally {
    n.close();
  }
});

test('the site bounds slow clients and passes only safe methods to another upstream server', () => {
  const share = path.join(tree, 'usr/local/share/memberd/nginx');
  const text = fs.readFileSync(path.join(share, 'memberd.conf'), 'utf8');
  const servers = text.split(/^server \{$/m).slice(1);
  assert.equal(servers.length, 2);
  for (const s of servers) {
    assert.match(s, /^\tinclude \/usr\/local\/share\/memberd\/nginx\/memberd-timeouts\.conf;$/m);
    assert.match(s, /^\tlimit_conn memberd_conn \d+;$/m);
  }
  const timeouts = fs.readFileSync(path.join(share, 'memberd-timeouts.conf'), 'utf8');
  for (const k of ['client_header_timeout', 'client_body_timeout', 'send_timeout']) {
    const m = new RegExp(`^${k} (\\d+)s;$`, 'm').exec(timeouts);
    assert.ok(m && Number(m[1]) <= 15, `${k} is not short`);
  }
  assert.match(text, /^\tserver unix:\/run\/memberd\/memberd\.sock max_fails=\d+ fail_timeout=\d+s;$/m);
  const api = fs.readFileSync(path.join(share, 'memberd-api.conf'), 'utf8');
  assert.match(api, /^fastcgi_connect_timeout \d+s;$/m);
  assert.match(api, /^fastcgi_read_timeout \d+s;$/m);
  const next = /^fastcgi_next_upstream (.*);$/m.exec(api);
  assert.ok(next, 'fastcgi_next_upstream');
  assert.doesNotMatch(next[1], /non_idempotent/, 'a POST must never be sent to a second server');
});
