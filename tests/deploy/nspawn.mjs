// The deployment under a real systemd: a minbase Debian 12 tree
// (tests/deploy/nspawn-tree.sh, cached under /var/cache/memberd-test)
// booted with systemd-nspawn, memberd put in with `make install
// DESTDIR=`, then docs/operations.md followed step by step inside it:
// PostgreSQL with peer authentication, the configuration, the schema,
// nginx with a self-signed certificate, the units with socket activation.
// Then: socket activation, the hardening drop-in, reload with and without
// a changed credential, restart under load with no failed request, mail
// through an SMTP sink, the housekeeping timer, the journal's
// priorities, stop. Run by `make test-systemd`; skipped, saying why, only
// where systemd-nspawn cannot boot a container (not root, no nspawn, a
// kernel or container that refuses).
//
// The container has its own network (--private-network): the host's
// node reaches its nginx and runs the SMTP sink by entering that network
// namespace only (nsenter -n); commands run inside with nsenter -a.
// MEMBERD_KEEP_NSPAWN=1 leaves the container's tree in place.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { REPO, sleep, waitFor } from '../lib/stack.mjs';

const NET = path.join(REPO, 'tests/deploy/nspawn-net.mjs');
const CATCHER = path.join(REPO, 'tools/smtp-catcher.mjs');
const SMTP_PORT = 2525;
const CONF = '/etc/memberd/memberd.conf';
const PATHS = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

let skip = false;
let broken = null; // the step that failed: the later ones build on it
let work, root, nspawnProc, leader, catcher, mailDir;
let bootLog = '';

function why(r) {
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
}

// A command inside the container, as root, with a clean environment.
function sh(cmd, { check = true, timeout = 120000 } = {}) {
  const r = spawnSync('nsenter', ['-t', String(leader), '-a', '--', '/usr/bin/env', '-i', PATHS,
    'LANG=C.UTF-8', '/bin/sh', '-c', cmd], { encoding: 'utf8', timeout, maxBuffer: 256 << 20 });
  if (check && r.status !== 0) {
    throw new Error(`in the container: ${cmd}\nexit ${r.status}\n${why(r)}`);
  }
  return r;
}

// The host's node in the container's network namespace.
function netArgs(args) {
  return ['-t', String(leader), '-n', '--', process.execPath, NET, ...args];
}
function net(...args) {
  const r = spawnSync('nsenter', netArgs(args), { encoding: 'utf8', timeout: 120000 });
  assert.equal(r.status, 0, why(r));
  return JSON.parse(r.stdout);
}
function netAsync(...args) {
  const child = spawn('nsenter', netArgs(args), { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  return new Promise((resolve, reject) => child.on('exit', (code) => {
    if (code !== 0) reject(new Error(`load: exit ${code}: ${out}`));
    else resolve(JSON.parse(out));
  }));
}
const health = () => net('request', 'GET', '/api/v1/health');
const active = (unit) => sh(`systemctl is-active ${unit}`, { check: false }).stdout.trim();
const journal = (args) => sh(`journalctl --no-pager -o cat ${args}`).stdout;

function canBoot() {
  if (process.getuid() !== 0) return 'needs root (debootstrap, systemd-nspawn)';
  for (const t of ['systemd-nspawn', 'debootstrap', 'nsenter']) {
    if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) return `${t} is not installed (tools/deps.sh)`;
  }
  return null;
}

async function boot() {
  const machine = `memberd-test-${process.pid}`;
  nspawnProc = spawn('systemd-nspawn', ['-q', '-D', root, '-b', '--keep-unit', '--register=no',
    '--private-network', '-M', machine], { stdio: ['ignore', 'pipe', 'pipe'] });
  nspawnProc.stdout.on('data', (d) => { bootLog += d; });
  nspawnProc.stderr.on('data', (d) => { bootLog += d; });
  let exited = false;
  nspawnProc.on('exit', () => { exited = true; });
  // The container's init: the child of nspawn that runs systemd.
  const t0 = Date.now();
  while (!leader && !exited && Date.now() - t0 < 30000) {
    await sleep(200);
    const kids = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(nspawnProc.pid)], { encoding: 'utf8' })
      .stdout.trim().split('\n').map((l) => l.trim().split(/\s+/)).filter((p) => p[1] === 'systemd');
    if (kids.length) leader = Number(kids[0][0]);
  }
  if (!leader) return `systemd-nspawn did not boot the tree:\n${bootLog.slice(-2000)}`;
  let state = '';
  while (Date.now() - t0 < 90000) {
    state = sh('systemctl is-system-running', { check: false }).stdout.trim();
    if (state === 'running' || state === 'degraded') break;
    if (exited) break;
    await sleep(500);
  }
  if (state !== 'running' && state !== 'degraded') {
    return `the container's systemd did not come up (${state || 'no answer'}):\n${bootLog.slice(-2000)}`;
  }
  return null;
}

before(async () => {
  const cannot = canBoot();
  if (cannot) { skip = cannot; return; }
  const tree = spawnSync(path.join(REPO, 'tests/deploy/nspawn-tree.sh'), [],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 20 * 60000 });
  assert.equal(tree.status, 0, 'building the Debian tree failed (see above)');
  const base = tree.stdout.trim();
  // Each run boots a copy-on-write layer over the cached tree.
  work = fs.mkdtempSync(path.join('/var/tmp', 'memberd-nspawn-'));
  root = path.join(work, 'root');
  for (const d of ['upper', 'work', 'root']) fs.mkdirSync(path.join(work, d));
  let r = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o',
    `lowerdir=${base},upperdir=${work}/upper,workdir=${work}/work`, root], { encoding: 'utf8' });
  if (r.status !== 0) {
    // No overlayfs here: a full copy.
    fs.rmdirSync(root);
    r = spawnSync('cp', ['-a', base, root], { encoding: 'utf8' });
    assert.equal(r.status, 0, why(r));
  }
  r = spawnSync('make', ['-s', '-C', REPO, 'install', `DESTDIR=${root}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, `make install: ${why(r)}`);
  const failed = await boot();
  if (failed) { skip = failed; return; }
  mailDir = fs.mkdtempSync(path.join(os.tmpdir(), 'memberd-nspawn-mail-'));
  catcher = spawn('nsenter', ['-t', String(leader), '-n', '--', process.execPath, CATCHER,
    '--port', String(SMTP_PORT), '--dir', mailDir], { stdio: 'ignore' });
});

after(async () => {
  if (skip) console.log(`\nSYSTEMD SUITE SKIPPED: ${skip}\n`);
  catcher?.kill('SIGTERM');
  if (nspawnProc && nspawnProc.exitCode === null) {
    // SIGTERM: nspawn asks the container's systemd to power off.
    nspawnProc.kill('SIGTERM');
    const t0 = Date.now();
    while (nspawnProc.exitCode === null && nspawnProc.signalCode === null && Date.now() - t0 < 30000) await sleep(200);
    if (nspawnProc.exitCode === null && nspawnProc.signalCode === null) nspawnProc.kill('SIGKILL');
    await sleep(200);
  }
  if (work && !process.env.MEMBERD_KEEP_NSPAWN) {
    spawnSync('umount', [root]);
    fs.rmSync(work, { recursive: true, force: true });
  } else if (work) {
    console.log(`nspawn: tree kept in ${work}`);
  }
  if (mailDir) fs.rmSync(mailDir, { recursive: true, force: true });
});

// Every test below needs the booted container.
function step(name, fn) {
  test(name, { timeout: 180000 }, async (t) => {
    if (skip) {
      t.skip(`systemd suite skipped: ${skip}`);
      return;
    }
    if (broken) {
      t.skip(`after the failure of "${broken}"`);
      return;
    }
    try {
      await fn(t);
    } catch (e) {
      broken = name;
      throw e;
    }
  });
}

step('the install of docs/operations.md, step by step, on a minimal host', async () => {
  // "Install on a fresh Debian 12": the user, the directories, the units.
  sh('systemd-sysusers && systemd-tmpfiles --create /usr/local/lib/tmpfiles.d/memberd.conf && systemctl daemon-reload');
  assert.equal(sh('stat -c "%U %a" /etc/memberd/credentials/db_password').stdout.trim(), 'root 600');
  assert.notEqual(sh('test -e /usr/bin/kill || test -e /bin/kill || test -e /usr/bin/man', { check: false }).status, 0,
    'the tree has kill(1) or man(1): not minimal');
  // PostgreSQL: peer authentication over the unix socket.
  await waitFor('PostgreSQL up', () => sh('runuser -u postgres -- psql -XAtc "SELECT 1"', { check: false }).status === 0,
    { timeout: 60000 });
  sh('runuser -u postgres -- createuser memberd && runuser -u postgres -- createdb -O memberd memberd');
  // The configuration: the sample, with the relay on the sink.
  sh(`cp /etc/memberd/memberd.conf.sample ${CONF} && sed -i ` +
    `-e 's/^workers = .*/workers = 2/' -e 's/^smtp_host = .*/smtp_host = 127.0.0.1/' ` +
    `-e 's/^smtp_port = .*/smtp_port = ${SMTP_PORT}/' -e 's/^smtp_starttls = .*/smtp_starttls = off/' ${CONF}`);
  assert.match(sh(`memberd -t -c ${CONF}`).stdout, /configuration ok/);
  // The schema.
  sh(`runuser -u memberd -- memberctl -c ${CONF} migrate`);
  assert.equal(sh(`runuser -u memberd -- memberctl -c ${CONF} migrate --status`, { check: false }).status, 0);
  // nginx: the self-signed certificate first, as the guide says.
  sh('install -d -m 0755 /etc/ssl/memberd && openssl req -x509 -newkey rsa:2048 -nodes -days 30 ' +
    '-subj /CN=portal.example.com -keyout /etc/ssl/memberd/privkey.pem -out /etc/ssl/memberd/fullchain.pem ' +
    '2>/dev/null && chmod 0600 /etc/ssl/memberd/privkey.pem');
  sh('cp /usr/local/share/memberd/nginx/memberd.conf /etc/nginx/sites-available/memberd && ' +
    'ln -s ../sites-available/memberd /etc/nginx/sites-enabled/memberd && rm /etc/nginx/sites-enabled/default');
  sh("sed -i -e 's/worker_connections 768;/worker_connections 8192;/' " +
    "-e 's/^pid /worker_rlimit_nofile 20000;\\npid /' /etc/nginx/nginx.conf");
  sh('nginx -t 2>&1 && systemctl reload-or-restart nginx');
});

step('socket activation: the first request starts memberd.service', async () => {
  sh('systemctl enable --now memberd.socket');
  assert.equal(active('memberd.service'), 'inactive');
  assert.match(sh('stat -c "%U %G %a" /run/memberd/memberd.sock').stdout, /^memberd www-data 660$/m);
  const r = health();
  assert.equal(r.status, 200, JSON.stringify(r));
  assert.deepEqual(r.json, { status: 'ok' });
  assert.equal(active('memberd.service'), 'active');
  sh('systemctl enable --now memberd.service memberd-mailer.service memberd-housekeeping.timer');
  assert.equal(active('memberd-mailer.service'), 'active');
});

step('the hardening drop-in of the guide restricts to AF_UNIX, and memberd still serves', async () => {
  sh('mkdir -p /etc/systemd/system/memberd.service.d && printf "[Service]\\nRestrictAddressFamilies=\\n' +
    'RestrictAddressFamilies=AF_UNIX\\nIPAddressDeny=any\\n" > /etc/systemd/system/memberd.service.d/harden.conf && ' +
    'systemctl daemon-reload && systemctl restart memberd.service');
  try {
    assert.equal(sh('systemctl show -p RestrictAddressFamilies memberd.service').stdout.trim(),
      'RestrictAddressFamilies=AF_UNIX');
    assert.equal(health().status, 200);
  } finally {
    sh('rm -r /etc/systemd/system/memberd.service.d && systemctl daemon-reload && systemctl restart memberd.service');
  }
  assert.equal(health().status, 200);
});

step('systemctl reload: a new configuration exits 0 with new workers; a rejected one exits 1 and changes nothing', async () => {
  sh(`sed -i 's/^workers = .*/workers = 3/' ${CONF}`);
  const r = sh('systemctl reload memberd.service', { check: false });
  assert.equal(r.status, 0, why(r));
  assert.match(journal('-u memberd.service -n 20'), /reload: 3 workers started with the new configuration/);
  assert.doesNotMatch(journal('-u memberd.service'), /kill/i);
  assert.equal(health().status, 200);
  // A configuration that does not load: reload fails, nothing changes.
  sh(`cp ${CONF} ${CONF}.good && echo 'no_such_key = 1' >> ${CONF}`);
  try {
    const bad = sh('systemctl reload memberd.service', { check: false });
    assert.notEqual(bad.status, 0, 'a rejected configuration reported Reloaded');
    assert.match(journal('-u memberd.service -n 20'), /no_such_key/);
    assert.equal(active('memberd.service'), 'active');
    assert.equal(health().status, 200);
  } finally {
    sh(`mv ${CONF}.good ${CONF}`);
  }
});

step('systemctl reload with a changed credential fails visibly and keeps serving; restart applies it', async () => {
  // Move to a password over TCP, as a remote database would need.
  sh('runuser -u postgres -- psql -Xqc "ALTER ROLE memberd PASSWORD \'rotated-1\'"');
  sh("printf 'rotated-1' > /etc/memberd/credentials/db_password");
  sh(`sed -i 's|^db_host = .*|db_host = 127.0.0.1|' ${CONF}`);
  const r = sh('systemctl reload memberd.service', { check: false });
  assert.notEqual(r.status, 0, 'reload reported success with workers that cannot log in');
  assert.equal(active('memberd.service'), 'active');
  for (let i = 0; i < 5; i++) assert.equal(health().status, 200);
  assert.match(sh('systemctl show -p StatusText memberd.service').stdout, /the last reload failed/);
  assert.match(journal('-u memberd.service -p warning'), /reload failed, 3 workers keep the running configuration/);
  assert.match(journal('-u memberd.service -p err'), /Reload failed for memberd\.service/);

  // The guide: a credential needs a restart, which loses no request.
  const load = netAsync('load', '/api/v1/health', '12000', '8');
  await sleep(3000);
  sh('systemctl restart memberd.service');
  sh('systemctl restart memberd-mailer.service');
  const got = await load;
  console.log(`nspawn: restart under load: ${got.ok} answered 200, ${got.failed} failed ${JSON.stringify(got.statuses)}`);
  assert.ok(got.ok > 100, `only ${got.ok} requests in 12 s`);
  assert.equal(got.failed, 0, JSON.stringify(got.errors));
  const tcp = sh('runuser -u postgres -- psql -XAtc "SELECT count(*) FROM pg_stat_activity ' +
    "WHERE usename = 'memberd' AND application_name = 'memberd' AND client_addr IS NOT NULL\"").stdout.trim();
  assert.ok(Number(tcp) >= 3, `${tcp} workers on TCP with the password`);
  assert.doesNotMatch(sh('systemctl show -p StatusText memberd.service').stdout, /failed/);
});

step('a mail goes out through the mailer to the SMTP sink', async () => {
  const email = `nspawn-${process.pid}@example.com`;
  const reg = net('request', 'POST', '/api/v1/auth/register', JSON.stringify({
    email, password: 'correct horse battery staple', first_name: 'Nia', last_name: 'Spawn' }));
  assert.equal(reg.status, 201, JSON.stringify(reg));
  const reset = net('request', 'POST', '/api/v1/auth/password-reset', JSON.stringify({ email }));
  assert.ok(reset.status >= 200 && reset.status < 300, JSON.stringify(reset));
  const dir = path.join(mailDir, 'new');
  const mail = await waitFor('the mail in the sink', () => {
    const names = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    return names.map((n) => fs.readFileSync(path.join(dir, n), 'utf8')).find((m) => m.includes(email));
  }, { timeout: 60000, interval: 500 });
  assert.match(mail, /^From: .*portal@example\.com/mi);
});

step('the housekeeping timer runs memberctl housekeeping', async () => {
  assert.equal(active('memberd-housekeeping.timer'), 'active');
  assert.match(sh('systemctl list-timers --all --no-pager memberd-housekeeping.timer').stdout,
    /memberd-housekeeping\.timer\s+memberd-housekeeping\.service/);
  // Make it fire now rather than within the hour.
  sh('mkdir -p /etc/systemd/system/memberd-housekeeping.timer.d && ' +
    'printf "[Timer]\\nOnActiveSec=1s\\nRandomizedDelaySec=0\\n" > /etc/systemd/system/memberd-housekeeping.timer.d/now.conf && ' +
    'systemctl daemon-reload && systemctl restart memberd-housekeeping.timer');
  try {
    await waitFor('the service run by the timer', () => {
      const s = sh('systemctl show -p Result -p ExecMainExitTimestampMonotonic -p ExecMainStatus memberd-housekeeping.service').stdout;
      return /ExecMainExitTimestampMonotonic=[1-9]/.test(s) && s;
    }, { timeout: 30000, interval: 500 });
    const s = sh('systemctl show -p Result -p ExecMainStatus memberd-housekeeping.service').stdout;
    assert.match(s, /Result=success/, `${s}\n${journal('-u memberd-housekeeping.service')}`);
    assert.match(s, /ExecMainStatus=0/);
  } finally {
    sh('rm -r /etc/systemd/system/memberd-housekeeping.timer.d && systemctl daemon-reload');
  }
});

step("the journal has memberd's lines at their priority, without a doubled prefix", async () => {
  const warnings = journal('-u memberd.service -p warning');
  assert.match(warnings, /reload failed/);
  assert.doesNotMatch(warnings, /listening on|workers started|req=/, 'info lines among the warnings');
  const all = journal('-u memberd.service -u memberd-mailer.service');
  assert.match(all, /req=\S+ GET \/api\/v1\/health 200/);
  const prefixed = all.split('\n').filter((l) => /^(memberd|memberd-mailer)\[\d+\]|^<\d>|\] (info|warn):/.test(l));
  assert.deepEqual(prefixed.slice(0, 3), [], 'lines still carry their own prefix');
  const info = sh('journalctl --no-pager -u memberd.service -o json --output-fields=PRIORITY,MESSAGE').stdout
    .split('\n').filter(Boolean).map((l) => JSON.parse(l));
  const prio = (re) => info.filter((e) => re.test(e.MESSAGE)).map((e) => e.PRIORITY);
  assert.ok(prio(/req=/).every((p) => p === '6') && prio(/req=/).length > 0, 'request lines at info (6)');
  assert.ok(prio(/reload failed/).every((p) => p === '4') && prio(/reload failed/).length > 0, 'warnings at 4');
});

step('stop: the service alone comes back at the next request; with the socket it stays down', async () => {
  sh('systemctl stop memberd.service');
  assert.equal(active('memberd.service'), 'inactive');
  assert.equal(health().status, 200, 'the socket starts it again');
  assert.equal(active('memberd.service'), 'active');
  sh('systemctl stop memberd.socket memberd.service');
  assert.equal(active('memberd.socket'), 'inactive');
  const r = health();
  assert.equal(r.status, 502, JSON.stringify(r));
  assert.equal(r.json?.error?.code, 'unavailable');
  await sleep(1000);
  assert.equal(active('memberd.service'), 'inactive');
  assert.equal(journal('-p err _SYSTEMD_UNIT=memberd.service _COMM=memberd'), '', 'memberd logged errors');
});
