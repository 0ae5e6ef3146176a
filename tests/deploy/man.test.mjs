// The man pages: clean under `mandoc -T lint`, and in step with the code:
// memberd.conf(5) lists every key of src/core/config.c with its default, and
// memberctl(8) every command memberctl knows.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { BIN, REPO } from '../lib/stack.mjs';

const MAN = path.join(REPO, 'man');
const PAGES = fs.readdirSync(MAN).filter((f) => /\.[58]$/.test(f)).sort();
const read = (p) => fs.readFileSync(path.join(MAN, p), 'utf8');

test('the five pages are there', () => {
  assert.deepEqual(PAGES, ['memberctl.8', 'memberd-mailer.8', 'memberd-webhooks.8', 'memberd.8', 'memberd.conf.5']);
});

test('mandoc -T lint finds nothing', () => {
  const r = spawnSync('mandoc', ['-T', 'lint', ...PAGES.map((p) => path.join(MAN, p))],
    { encoding: 'utf8' });
  const ours = new Set(PAGES.map((p) => p.replace(/\.(\d)$/, ' $1')));
  const problems = (r.stdout + r.stderr).split('\n').filter((line) => {
    if (line === '' || /outdated mandoc\.db/.test(line)) return false;
    // mandoc resolves .Xr only among installed pages. Ours are not
    // installed here (they refer to each other: checked below); another
    // package's page counts only when this host has it.
    const xr = /STYLE: referenced manual not found: Xr (\S+) (\d)/.exec(line);
    if (xr) {
      if (ours.has(`${xr[1]} ${xr[2]}`)) return false;
      const dir = `/usr/share/man/man${xr[2]}`;
      const there = fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.startsWith(`${xr[1]}.${xr[2]}`));
      return there;
    }
    return true;
  });
  assert.deepEqual(problems, []);
});

test('every .Xr to a memberd page names one of the five', () => {
  for (const p of PAGES) {
    for (const [, name, sec] of read(p).matchAll(/^\.Xr (memberd\S*|memberctl) (\d)/gm)) {
      assert.ok(PAGES.includes(`${name}.${sec}`), `${p}: .Xr ${name} ${sec}`);
    }
  }
});

// `memberctl config`: "key  default-or-(empty)  doc" per line.
function configKeys() {
  const r = spawnSync(path.join(BIN, 'memberctl'), ['config'], {
    encoding: 'utf8', env: { ...process.env, MEMBERD_CONFIG: '' },
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').map((l) => {
    const [key, def] = l.split(/\s+/);
    return { key, def: def === '(empty)' ? '' : def };
  });
}

// memberd.conf(5): ".It Ic key Ar ..." then "Default: empty." or
// "Default:\n.Ql value ." before the next item.
function manKeys() {
  const text = read('memberd.conf.5');
  const out = [];
  const items = text.split(/^\.It Ic /m).slice(1);
  for (const item of items) {
    const key = item.split(/\s/)[0];
    if (!/^[a-z0-9_]+$/.test(key) || !/\nDefault:/.test(item)) continue;
    const m = /\nDefault:(?: empty\.|\n\.Ql (\S+) \.)\n/.exec(item);
    assert.ok(m, `memberd.conf(5): ${key}: no "Default:" line in the expected form`);
    out.push({ key, def: m[1] ?? '' });
  }
  return out;
}

test('memberd.conf(5) documents every key of the code, with its default, and no other', () => {
  const code = configKeys();
  const man = manKeys();
  assert.ok(code.length > 30, 'memberctl config lists the keys');
  assert.deepEqual(man.map((k) => k.key).sort(), code.map((k) => k.key).sort());
  const manDef = Object.fromEntries(man.map((k) => [k.key, k.def]));
  for (const { key, def } of code) assert.equal(manDef[key], def, `default of ${key}`);
});

test('memberctl(8) documents every command memberctl knows', () => {
  const r = spawnSync(path.join(BIN, 'memberctl'), [], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  const commands = [...r.stderr.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]);
  assert.ok(commands.includes('migrate'));
  const page = read('memberctl.8');
  for (const c of commands) assert.match(page, new RegExp(`^\\.It Ic ${c}\\b`, 'm'), c);
});
