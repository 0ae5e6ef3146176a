// The systemd units as installed: systemd-analyze verify accepts them,
// the offline security analysis rates every service OK or better, and
// they say what the deployment relies on. systemd is not PID 1 here, so
// the units are checked against an installed tree with --root (see
// "Testing without systemd" in docs/operations.md).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { REPO } from '../lib/stack.mjs';
import { installTree } from './lib.mjs';

const UNITS = ['memberd.socket', 'memberd.service', 'memberd-mailer.service', 'memberd-mailer@.service',
  'memberd-housekeeping.service', 'memberd-housekeeping.timer'];
const SERVICES = ['memberd.service', 'memberd-mailer.service', 'memberd-mailer@1.service', 'memberd-housekeeping.service'];
// systemd-analyze's exposure, 0 (perfect) to 10; "OK" is below 5. The
// services score 1.1; the threshold catches a sandbox setting removed.
const MAX_EXPOSURE = 1.5;
const OK_RATINGS = ['OK', 'SAFE', 'PERFECT'];

let tree;
const unitDir = () => path.join(tree, 'usr/local/lib/systemd/system');
const unit = (name) => fs.readFileSync(path.join(unitDir(), name), 'utf8');

// The settings of a unit file: {Section: {Key: [values]}}
function parseUnit(text) {
  const out = {};
  let sec;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^\[(.+)\]$/.exec(line);
    if (m) { sec = out[m[1]] ??= {}; continue; }
    const eq = line.indexOf('=');
    const k = line.slice(0, eq);
    (sec[k] ??= []).push(line.slice(eq + 1));
  }
  return out;
}

before(() => {
  tree = installTree();
  // What a real root has and `systemd-analyze verify --root` looks for:
  // the distribution's units (sysinit.target, ...). No /bin/kill and no
  // man(1): a minimal host has neither, and the units need neither.
  fs.cpSync('/usr/lib/systemd/system', path.join(tree, 'usr/lib/systemd/system'),
    { recursive: true, verbatimSymlinks: true });
});

after(() => fs.rmSync(tree, { recursive: true, force: true }));

test('systemd-analyze verify accepts every unit and its binaries, with no man(1) on PATH', () => {
  // PATH without man: verify runs man(1) for each Documentation=man:
  // page and fails where it is missing; the units list files instead.
  const bare = fs.mkdtempSync(path.join(os.tmpdir(), 'memberd-path-'));
  try {
    const r = spawnSync('/usr/bin/systemd-analyze', ['verify', `--root=${tree}`, ...UNITS.map(
      (u) => u.replace('@.', '@1.'))], { encoding: 'utf8', env: { ...process.env, PATH: bare } });
    assert.equal(r.status, 0, `systemd-analyze verify:\n${r.stdout}${r.stderr}`);
    assert.equal((r.stdout + r.stderr).trim(), '', 'verify printed warnings');
  } finally {
    fs.rmSync(bare, { recursive: true, force: true });
  }
});

test('every Documentation= of the units is a file the install put there', () => {
  for (const u of UNITS) {
    const docs = parseUnit(unit(u)).Unit.Documentation.join(' ').split(/\s+/);
    assert.ok(docs.length >= 2, u);
    for (const d of docs) {
      assert.match(d, /^file:\/usr\/local\/share\//, `${u}: ${d}`);
      assert.ok(fs.existsSync(path.join(tree, d.slice('file:'.length))), `${u}: ${d} is not installed`);
    }
  }
});

test('systemd-analyze verify notices a missing binary (the check is real)', () => {
  const bin = path.join(tree, 'usr/local/sbin/memberd');
  fs.renameSync(bin, bin + '.away');
  try {
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', `--root=${tree}`, 'memberd.service'],
      { encoding: 'utf8' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /memberd is not executable/);
  } finally {
    fs.renameSync(bin + '.away', bin);
  }
});

for (const svc of SERVICES) {
  test(`${svc}: the offline security analysis rates it OK or better`, () => {
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', `--root=${tree}`,
      '--no-pager', svc], { encoding: 'utf8' });
    const m = /Overall exposure level for \S+: (\d+\.\d+) (\w+)/.exec(r.stdout);
    assert.ok(m, `no score in:\n${r.stdout}${r.stderr}`);
    const score = Number(m[1]);
    assert.ok(OK_RATINGS.includes(m[2]), `${svc} is rated ${m[2]} (${score})`);
    assert.ok(score <= MAX_EXPOSURE, `${svc} exposure ${score} > ${MAX_EXPOSURE}:\n${r.stdout}`);
  });
}

test('the hardening drop-in of docs/operations.md takes memberd to 0.6; without its empty reset it restricts nothing', () => {
  const ops = fs.readFileSync(path.join(REPO, 'docs/operations.md'), 'utf8');
  const m = /```\n(\[Service\]\nRestrictAddressFamilies=\n[^`]*)```/.exec(ops);
  assert.ok(m, 'the drop-in is in the guide, with the empty RestrictAddressFamilies= first');
  const dir = path.join(tree, 'etc/systemd/system/memberd.service.d');
  const score = (text) => {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'harden.conf'), text);
    const r = spawnSync('systemd-analyze', ['security', '--offline=yes', `--root=${tree}`, '--no-pager',
      'memberd.service'], { encoding: 'utf8' });
    const got = /Overall exposure level for \S+: (\d+\.\d+)/.exec(r.stdout);
    assert.ok(got, r.stdout + r.stderr);
    return { score: Number(got[1]), inet: /✗ RestrictAddressFamilies=~AF_\(INET\|INET6\)/.test(r.stdout) };
  };
  try {
    const good = score(m[1]);
    assert.equal(good.score, 0.6);
    assert.equal(good.inet, false, 'the drop-in leaves AF_INET allowed');
    const old = score(m[1].replace('RestrictAddressFamilies=\n', ''));
    assert.equal(old.inet, true, 'without the reset the list is added to (the check is real)');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the socket is memberd:www-data 0660 and outside any RuntimeDirectory', () => {
  const s = parseUnit(unit('memberd.socket')).Socket;
  assert.deepEqual(s.ListenStream, ['/run/memberd/memberd.sock']);
  assert.deepEqual(s.SocketUser, ['memberd']);
  assert.deepEqual(s.SocketGroup, ['www-data']);
  assert.deepEqual(s.SocketMode, ['0660']);
  for (const u of UNITS.filter((n) => n.endsWith('.service'))) {
    assert.equal(parseUnit(unit(u)).Service.RuntimeDirectory, undefined, u);
  }
});

test('the daemons are Type=notify, restart on failure, and memberd reloads through memberd -r', () => {
  for (const u of ['memberd.service', 'memberd-mailer@.service']) {
    const s = parseUnit(unit(u)).Service;
    assert.deepEqual(s.Type, ['notify'], u);
    assert.deepEqual(s.Restart, ['on-failure'], u);
    assert.deepEqual(s.User, ['memberd'], u);
    assert.match(s.ExecStart[0], / -c \/etc\/memberd\/memberd\.conf$/, u);
  }
  const m = parseUnit(unit('memberd.service'));
  // memberd itself, not kill(1) (procps, which a minimal host lacks):
  // it checks the configuration and its exit status is the reload's.
  assert.deepEqual(m.Service.ExecReload, ['/usr/local/sbin/memberd -c /etc/memberd/memberd.conf -r $MAINPID']);
  assert.deepEqual(m.Unit.Requires, ['memberd.socket']);
  const hk = parseUnit(unit('memberd-housekeeping.service')).Service;
  assert.match(hk.ExecStart[0], /memberctl -c \/etc\/memberd\/memberd\.conf housekeeping$/);
  const timer = parseUnit(unit('memberd-housekeeping.timer'));
  assert.ok(timer.Timer.OnCalendar, 'the timer has a schedule');
  assert.deepEqual(timer.Install.WantedBy, ['timers.target']);
});

test('every service has the sandbox the issue lists and takes secrets as credentials', () => {
  const want = {
    ProtectSystem: 'strict', ProtectHome: 'yes', PrivateTmp: 'yes', PrivateDevices: 'yes',
    NoNewPrivileges: 'yes', SystemCallArchitectures: 'native', MemoryDenyWriteExecute: 'yes',
    LockPersonality: 'yes', RestrictNamespaces: 'yes', RestrictRealtime: 'yes',
    CapabilityBoundingSet: '', RestrictAddressFamilies: 'AF_UNIX AF_INET AF_INET6',
  };
  for (const u of ['memberd.service', 'memberd-mailer@.service', 'memberd-housekeeping.service']) {
    const s = parseUnit(unit(u)).Service;
    for (const [k, v] of Object.entries(want)) assert.deepEqual(s[k], [v], `${u}: ${k}`);
    assert.ok(s.SystemCallFilter.includes('@system-service'), `${u}: SystemCallFilter`);
    assert.ok(s.LoadCredential.includes('db_password:/etc/memberd/credentials/db_password'), u);
    assert.equal(s.Environment, undefined, `${u}: no secrets in Environment=`);
  }
  const mailer = parseUnit(unit('memberd-mailer@.service')).Service;
  assert.ok(mailer.LoadCredential.includes('smtp_password:/etc/memberd/credentials/smtp_password'));
});

test('sysusers.d creates the memberd user; tmpfiles.d makes root-only secret files', () => {
  let r = spawnSync('systemd-sysusers', [`--root=${tree}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(fs.readFileSync(path.join(tree, 'etc/passwd'), 'utf8'),
    /^memberd:x:\d+:\d+:[^:]*:\/:\/usr\/sbin\/nologin$/m);
  r = spawnSync('systemd-tmpfiles', [`--root=${tree}`, '--create'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const st = (p) => fs.statSync(path.join(tree, p));
  assert.equal(st('etc/memberd/credentials').mode & 0o777, 0o700);
  for (const f of ['db_password', 'smtp_password']) {
    const s = st(`etc/memberd/credentials/${f}`);
    assert.equal(s.mode & 0o777, 0o600, f);
    assert.equal(s.uid, 0, f);
  }
});

test('memberd-mailer.service and the template memberd-mailer@.service say the same', () => {
  const settings = (name) => {
    const u = parseUnit(unit(name));
    delete u.Unit.Description;
    delete u.Install.DefaultInstance;
    return u;
  };
  assert.deepEqual(settings('memberd-mailer.service'), settings('memberd-mailer@.service'));
});
