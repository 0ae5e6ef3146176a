// The production site's upstream settings with two servers, one of which
// takes each request and drops the connection without an answer (a
// server that dies mid-request): a GET goes on to the other server and
// succeeds; a POST, which the broken server may have run, is never sent
// to a second server and gets 502 in JSON.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { freePort, sleep, startStack } from '../lib/stack.mjs';
import { IS_ROOT, installTree, makeCert, nginx, renderSite, request, tmpDir } from './lib.mjs';

let stack, tree, dir, site, cert, httpsPort, broken;
const seen = []; // what reached the broken server: 'GET' or 'POST'

before(async () => {
  stack = await startStack({ workers: 1, mailer: false, catcher: false });
  tree = installTree();
  dir = tmpDir('memberd-upstream-');
  cert = makeCert(dir);
  cert.certPem = fs.readFileSync(cert.cert);
  httpsPort = await freePort();
  const good = path.join(fs.realpathSync(path.join(stack.dir, 'run')), 'memberd.sock');
  const bad = path.join(dir, 'broken.sock');
  site = renderSite(tree, { dir, httpPort: await freePort(), httpsPort, sock: good, cert: cert.cert, key: cert.key });
  // The broken server first: nginx's round robin starts with it.
  const text = fs.readFileSync(site.sitePath, 'utf8');
  const line = /^\tserver unix:\S+ (max_fails=\d+ fail_timeout=\d+s);$/m.exec(text);
  assert.ok(line, 'the upstream line of the site');
  fs.writeFileSync(site.sitePath, text.replace(line[0], `\tserver unix:${bad} ${line[1]};\n${line[0]}`));
  broken = net.createServer((c) => {
    let got = '';
    c.on('data', (d) => {
      got += d.toString('latin1');
      const m = /REQUEST_METHOD(GET|POST)/.exec(got);
      if (m) { seen.push(m[1]); setTimeout(() => c.destroy(), 20); }
    });
    c.on('error', () => {});
  });
  await new Promise((r) => broken.listen(bad, r));
  fs.chmodSync(bad, 0o666);
  if (IS_ROOT) execFileSync('chmod', ['0666', good]);
  const r = nginx(dir, site.conf);
  assert.equal(r.status, 0, `nginx did not start:\n${r.stderr}`);
});

after(async () => {
  if (site) nginx(dir, site.conf, '-s', 'quit');
  broken?.close();
  await sleep(300);
  if (stack) await stack.stop();
  for (const d of [tree, dir]) if (d) fs.rmSync(d, { recursive: true, force: true });
});

const https = (p, opts = {}) => request(`https://127.0.0.1:${httpsPort}${p}`, { ca: cert.certPem, ...opts });

// A fresh upstream state (nginx forgets max_fails counts with its workers).
async function freshNginx() {
  const r = nginx(dir, site.conf, '-s', 'reload');
  assert.equal(r.status, 0, r.stderr);
  await sleep(1000);
}

test('a GET that a server dropped is sent to the next one: every GET answers 200', async () => {
  await freshNginx();
  seen.length = 0;
  for (let i = 0; i < 6; i++) {
    const r = await https('/api/v1/health');
    assert.equal(r.status, 200, r.text);
  }
  assert.ok(seen.includes('GET'), 'no GET reached the broken server: the test proves nothing');
});

test('a POST that reached a server is never sent to another: 502 in JSON', async () => {
  await freshNginx();
  seen.length = 0;
  const before = (stack.log('memberd.log').match(/ POST \/api\/v1\/auth\/logout /g) || []).length;
  const answers = [];
  for (let i = 0; i < 4; i++) {
    answers.push((await https('/api/v1/auth/logout', { method: 'POST',
      headers: { 'content-type': 'application/json' }, body: '{}' })).status);
  }
  await sleep(300);
  const reached = (stack.log('memberd.log').match(/ POST \/api\/v1\/auth\/logout /g) || []).length - before;
  const dropped = seen.filter((m) => m === 'POST').length;
  assert.ok(dropped >= 1, 'no POST reached the broken server');
  assert.equal(answers.filter((s) => s === 502).length, dropped, `answers ${answers}`);
  // memberd saw exactly the POSTs the broken server did not take.
  assert.equal(reached, answers.length - dropped);
});
