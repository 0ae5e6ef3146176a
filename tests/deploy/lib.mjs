// Helpers of the deployment tests: an installed tree (make install
// DESTDIR=...), a throwaway TLS certificate, the production nginx site
// rendered onto free ports, a NOTIFY_SOCKET listener, an HTTPS client.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { REPO, waitFor } from '../lib/stack.mjs';

export const IS_ROOT = process.getuid() === 0;

export function tmpDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755); // nginx's workers (www-data) must get in
  return dir;
}

// `make install DESTDIR=<new dir>` with extra make variables; returns the dir.
export function installTree(vars = {}) {
  const dir = tmpDir('memberd-install-');
  const args = ['-s', '-C', REPO, 'install', `DESTDIR=${dir}`,
    ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)];
  const r = spawnSync('make', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make install failed:\n${r.stdout}\n${r.stderr}`);
  return dir;
}

// Every file under dir, relative, sorted: [{path, mode}]
export function listFiles(dir) {
  const out = [];
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else out.push({ path: '/' + r, mode: fs.lstatSync(path.join(dir, r)).mode & 0o7777 });
    }
  };
  walk('');
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

// A self-signed certificate for localhost and 127.0.0.1, made now.
export function makeCert(dir) {
  const cert = path.join(dir, 'fullchain.pem');
  const key = path.join(dir, 'privkey.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert, key };
}

// The installed production site, its paths moved into the tree and a
// temporary directory, wrapped in a main nginx.conf. Returns the paths.
export function renderSite(tree, { dir, httpPort, httpsPort, sock, cert, key }) {
  const share = path.join(tree, 'usr/local/share/memberd');
  let site = fs.readFileSync(path.join(share, 'nginx/memberd.conf'), 'utf8');
  const swap = (from, to) => {
    if (!site.includes(from)) throw new Error(`the site no longer names ${from}`);
    site = site.split(from).join(to);
  };
  swap('/usr/local/share/memberd', share);
  swap('/etc/ssl/memberd/fullchain.pem', cert);
  swap('/etc/ssl/memberd/privkey.pem', key);
  swap('unix:/run/memberd/memberd.sock', `unix:${sock}`);
  swap('listen 80;', `listen 127.0.0.1:${httpPort};`);
  swap('listen 443 ssl http2;', `listen 127.0.0.1:${httpsPort} ssl http2;`);
  site = site.replace(/^\s*listen \[::\]:.*$/gm, ''); // no IPv6 in every container
  const sitePath = path.join(dir, 'memberd-site.conf');
  fs.writeFileSync(sitePath, site);
  for (const d of ['logs', 'tmp']) fs.mkdirSync(path.join(dir, d), { recursive: true });
  if (IS_ROOT) execFileSync('chown', ['www-data:', path.join(dir, 'tmp')]);
  const conf = path.join(dir, 'nginx.conf');
  fs.writeFileSync(conf, `# the production site as Debian's nginx.conf would include it
${IS_ROOT ? 'user www-data www-data;' : ''}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 256; }
http {
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	access_log ${dir}/logs/access.log;
	client_body_temp_path ${dir}/tmp/body;
	fastcgi_temp_path ${dir}/tmp/fastcgi;
	proxy_temp_path ${dir}/tmp/proxy;
	uwsgi_temp_path ${dir}/tmp/uwsgi;
	scgi_temp_path ${dir}/tmp/scgi;
	include ${sitePath};
}
`);
  return { conf, sitePath, errorLog: path.join(dir, 'logs/error.log') };
}

export function nginx(dir, conf, ...args) {
  return spawnSync('nginx', ['-p', dir, '-c', conf, '-e', path.join(dir, 'logs/error.log'), ...args],
    { encoding: 'utf8' });
}

// Listen on a NOTIFY_SOCKET; messages() lists what arrived, waitMessage()
// waits for one that matches.
export async function notifyListener(sockPath) {
  const child = spawn('python3', [path.join(REPO, 'tests/deploy/notify-recv.py'), sockPath],
    { stdio: ['ignore', 'pipe', 'inherit'] });
  const got = [];
  readline.createInterface({ input: child.stdout }).on('line', (l) => got.push(JSON.parse(l)));
  await waitFor('the notify listener', () => got.includes('LISTENING'));
  got.length = 0;
  return {
    path: sockPath,
    messages: () => [...got],
    waitMessage: (re, what, opts) => waitFor(what || String(re), () => got.find((m) => re.test(m)), opts),
    close() { child.kill('SIGTERM'); },
  };
}

// One HTTPS (or HTTP) request: {status, headers, text, json}
// localAddress: the address to connect from (127.0.0.2 is loopback too,
// yet not the 127.0.0.1 an allow list names).
export function request(url, { method = 'GET', headers = {}, body, ca, localAddress } = {}) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const req = mod.request(u, { method, headers, ca, servername: 'localhost', localAddress }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}
