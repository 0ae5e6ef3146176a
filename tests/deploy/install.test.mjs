// make install: exactly the listed files, with their modes, and the paths
// inside the units, the nginx site and the sample config following PREFIX.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { BIN, REPO } from '../lib/stack.mjs';
import { installTree, listFiles } from './lib.mjs';

// Files of the repository installed as they are, under a target directory.
function repoFiles(from, to) {
  return listFiles(path.join(REPO, from)).map((f) => ({ path: to + f.path, mode: 0o644 }));
}

function expected(prefix) {
  const share = `${prefix}/share/memberd`;
  const fixed = [
    ...['memberd', 'memberd-mailer', 'memberd-webhooks', 'memberctl'].map((b) => [`${prefix}/sbin/${b}`, 0o755]),
    ...['memberd.socket', 'memberd.service', 'memberd-mailer.service', 'memberd-mailer@.service',
      'memberd-webhooks.service', 'memberd-housekeeping.service', 'memberd-housekeeping.timer']
      .map((u) => [`${prefix}/lib/systemd/system/${u}`, 0o644]),
    [`${prefix}/lib/sysusers.d/memberd.conf`, 0o644],
    [`${prefix}/lib/tmpfiles.d/memberd.conf`, 0o644],
    ['/etc/memberd/memberd.conf.sample', 0o644],
    [`${share}/nginx/memberd.conf`, 0o644],
    ...['memberd-http.conf', 'memberd-headers.conf', 'memberd-api.conf', 'memberd-authz-endpoint.conf', 'memberd-authz.conf', 'memberd-errors.conf', 'memberd-timeouts.conf']
      .map((s) => [`${share}/nginx/${s}`, 0o644]),
    [`${prefix}/share/man/man5/memberd.conf.5`, 0o644],
    ...['memberd.8', 'memberd-mailer.8', 'memberd-webhooks.8', 'memberctl.8']
      .map((m) => [`${prefix}/share/man/man8/${m}`, 0o644]),
    [`${prefix}/share/doc/memberd/operations.md`, 0o644],
  ].map(([p, mode]) => ({ path: p, mode }));
  return [
    ...fixed,
    ...repoFiles('nginx/www', `${share}/www`),
    ...repoFiles('sql', `${share}/sql`),
  ].sort((a, b) => (a.path < b.path ? -1 : 1));
}

const show = (files) => files.map((f) => `${f.mode.toString(8)} ${f.path}`).join('\n');

test('make install DESTDIR=... installs exactly the listed files, with their modes', () => {
  const tree = installTree();
  try {
    assert.equal(show(listFiles(tree)), show(expected('/usr/local')));
    // the binaries are the ones just built
    const built = fs.readFileSync(path.join(REPO, 'build/memberd'));
    assert.ok(built.equals(fs.readFileSync(path.join(tree, 'usr/local/sbin/memberd'))));
  } finally {
    fs.rmSync(tree, { recursive: true, force: true });
  }
});

test('PREFIX moves everything, and the units, site and sample follow it', () => {
  const tree = installTree({ PREFIX: '/opt/memberd' });
  try {
    assert.equal(show(listFiles(tree)), show(expected('/opt/memberd')));
    const read = (p) => fs.readFileSync(path.join(tree, p), 'utf8');
    for (const u of ['memberd.service', 'memberd-mailer.service', 'memberd-mailer@.service', 'memberd-webhooks.service',
      'memberd-housekeeping.service']) {
      const text = read(`opt/memberd/lib/systemd/system/${u}`);
      assert.match(text, /^ExecStart=\/opt\/memberd\/sbin\/member(d|d-mailer|d-webhooks|ctl) /m, u);
      assert.doesNotMatch(text, /\/usr\/local/, u);
    }
    // The guide names the paths of this PREFIX (the default is said as such).
    const ops = read('opt/memberd/share/doc/memberd/operations.md');
    const local = ops.split('\n').filter((l) => /\/usr\/local\/(sbin|lib\/|share\/)/.test(l));
    assert.deepEqual(local, [], 'operations.md still names /usr/local paths');
    assert.match(ops, /^systemd-tmpfiles --create \/opt\/memberd\/lib\/tmpfiles\.d\/memberd\.conf$/m);
    assert.match(ops, /^\| path \(PREFIX=\/opt\/memberd\) \| what \|$/m);
    for (const u of ['memberd.service', 'memberd.socket']) {
      for (const [, f] of read(`opt/memberd/lib/systemd/system/${u}`).matchAll(/file:(\S+)/g)) {
        assert.ok(f.startsWith('/opt/memberd/') && fs.existsSync(path.join(tree, f)), `${u}: ${f}`);
      }
    }
    const site = read('opt/memberd/share/memberd/nginx/memberd.conf');
    assert.match(site, /root \/opt\/memberd\/share\/memberd\/www;/);
    assert.match(site, /include \/opt\/memberd\/share\/memberd\/nginx\/memberd-api\.conf;/);
    assert.doesNotMatch(site, /\/usr\/local/);
    // every file the site includes is installed
    for (const [, inc] of site.matchAll(/include (\/opt\/\S+);/g)) {
      assert.ok(fs.existsSync(path.join(tree, inc)), inc);
    }
  } finally {
    fs.rmSync(tree, { recursive: true, force: true });
  }
});

test('the sample configuration is valid as installed', () => {
  const tree = installTree();
  try {
    const r = spawnSync(path.join(BIN, 'memberd'),
      ['-t', '-c', path.join(tree, 'etc/memberd/memberd.conf.sample')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /configuration ok/);
  } finally {
    fs.rmSync(tree, { recursive: true, force: true });
  }
});

test('make install never overwrites an existing memberd.conf', () => {
  const tree = installTree();
  try {
    const conf = path.join(tree, 'etc/memberd/memberd.conf');
    fs.writeFileSync(conf, 'workers = 9\n');
    const r = spawnSync('make', ['-s', '-C', REPO, 'install', `DESTDIR=${tree}`], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(fs.readFileSync(conf, 'utf8'), 'workers = 9\n');
    assert.equal(fs.existsSync(path.join(tree, 'etc/nginx')), false, 'nothing in /etc/nginx');
  } finally {
    fs.rmSync(tree, { recursive: true, force: true });
  }
});
