// The walking skeleton through nginx: health, the request layer's errors
// and headers, and the access log.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { REPO, startStack } from '../lib/stack.mjs';

let s;
before(async () => { s = await startStack(); });
after(async () => { await s?.stop(); });

test('health answers ok when the database answers', async () => {
  const r = await s.api('/api/v1/health');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { status: 'ok' });
  assert.match(r.headers.get('content-type'), /^application\/json/);
  const head = await s.api('/api/v1/health', { method: 'HEAD' });
  assert.equal(head.status, 200, 'HEAD, as load balancers probe');
  assert.equal(head.text, '');
});

test('every response carries no-store, nosniff and a request id', async () => {
  for (const p of ['/api/v1/health', '/api/v1/no-such-thing']) {
    const r = await s.api(p);
    assert.equal(r.headers.get('cache-control'), 'no-store', p);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', p);
    assert.match(r.headers.get('x-request-id') || '', /^[0-9a-f-]+$/, p);
  }
});

test('an unknown path is 404 not_found in the error shape', async () => {
  const r = await s.api('/api/v1/no-such-thing');
  assert.equal(r.status, 404);
  assert.equal(r.json.error.code, 'not_found');
  assert.equal(typeof r.json.error.message, 'string');
});

test('a path is matched exactly: ids must be positive integers', async () => {
  const r = await s.api('/api/v1/health/');
  assert.equal(r.status, 404);
});

test('a known path with the wrong method is 405 with Allow', async () => {
  const r = await s.api('/api/v1/health', { method: 'DELETE' });
  assert.equal(r.status, 405);
  assert.equal(r.json.error.code, 'method_not_allowed');
  assert.equal(r.headers.get('allow'), 'GET');
});

test('a body that is not JSON is 400 invalid_json', async () => {
  const r = await s.api('/api/v1/auth/login', {
    method: 'POST', raw: '{"email": "a@b.c", ', headers: { 'content-type': 'application/json' },
  });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'invalid_json');
});

test('a JSON body that is not an object is 400 invalid_json', async () => {
  const r = await s.api('/api/v1/auth/login', { method: 'POST', body: ['a', 'b'] });
  assert.equal(r.status, 400);
  assert.equal(r.json.error.code, 'invalid_json');
});

test('a body of another content type is 415 unsupported_media_type', async () => {
  const r = await s.api('/api/v1/auth/login', {
    method: 'POST', raw: 'email=a@b.c&password=x', headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(r.status, 415);
  assert.equal(r.json.error.code, 'unsupported_media_type');
});

test('a body over 64 KiB is 413 payload_too_large', async () => {
  const big = { email: 'a@b.c', password: 'x'.repeat(70 * 1024) };
  const r = await s.api('/api/v1/auth/login', { method: 'POST', body: big });
  assert.equal(r.status, 413);
  assert.equal(r.json.error.code, 'payload_too_large');
});

test('a URL longer than nginx takes is 414 in the JSON error shape', async () => {
  const r = await s.api('/api/v1/admin/users?search=' + 'x'.repeat(20000));
  assert.equal(r.status, 414);
  assert.equal(r.json.error.code, 'invalid_input');
  assert.equal(typeof r.json.error.message, 'string');
});

test('the access log has one line per request and no secrets', async () => {
  const secret = 'Sup3r-Secret-' + Date.now();
  await s.api('/api/v1/auth/login?token=' + secret, {
    method: 'POST',
    body: { email: 'nobody@example.com', password: secret },
    headers: { cookie: `memberd_session=${secret}`, 'x-csrf-token': secret },
  });
  const r = await s.api('/api/v1/health?probe=' + secret);
  const log = s.log('memberd.log');
  assert.ok(!log.includes(secret), 'a secret reached the log');
  const id = r.headers.get('x-request-id');
  const lines = log.split('\n').filter((l) => l.includes(`req=${id} `));
  assert.equal(lines.length, 1);
  assert.match(lines[0], /req=\S+ GET \/api\/v1\/health 200 \d+us$/);
});

test('the FastCGI socket is mode 0660, group www-data when run as root', async () => {
  const fs = await import('node:fs');
  const path = await import('node:path');
  const conf = fs.readFileSync(s.confPath, 'utf8');
  const sock = conf.match(/^listen = (.*)$/m)[1];
  const st = fs.statSync(sock);
  assert.ok(st.isSocket());
  assert.equal(st.mode & 0o777, 0o660);
  if (process.getuid() === 0) {
    const group = fs.readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.startsWith('www-data:'));
    assert.equal(st.gid, Number(group.split(':')[2]));
  }
  assert.ok(path.isAbsolute(sock));
});

test('a bad configuration value exits 1 with a message naming the key', async () => {
  const { spawnSync } = await import('node:child_process');
  const fs = await import('node:fs');
  const path = await import('node:path');
  const bad = path.join(s.dir, 'bad.conf');
  for (const [line, key] of [['workers = lots', 'workers'], ['session_idle_timeout = 2 weeks', 'session_idle_timeout'],
    ['smtp_starttls = maybe', 'smtp_starttls'], ['no_such_key = 1', 'no_such_key']]) {
    fs.writeFileSync(bad, `# test\n${line}\n`);
    for (const bin of ['memberd', 'memberd-mailer', 'memberctl']) {
      const args = { memberctl: ['-c', bad, 'config'], memberd: ['-c', bad, '-t'], 'memberd-mailer': ['-c', bad] }[bin];
      const r = spawnSync(path.join(s.bin, bin), args, { encoding: 'utf8', env: { ...process.env, MEMBERD_CONFIG: '' } });
      assert.equal(r.status, 1, `${bin} ${line}`);
      assert.match(r.stderr, new RegExp(`bad.conf:2: ${key}`), `${bin}: ${r.stderr}`);
    }
  }
  // values checked after parsing: the message names the key all the same
  for (const [line, key] of [['public_url = portal.example.com', 'public_url'], ['mail_from = not an address', 'mail_from']]) {
    fs.writeFileSync(bad, `${line}\n`);
    for (const bin of ['memberd', 'memberd-mailer']) {
      const r = spawnSync(path.join(s.bin, bin), ['-c', bad, '-t'], { encoding: 'utf8', env: { ...process.env, MEMBERD_CONFIG: '' } });
      assert.equal(r.status, 1, `${bin} ${line}`);
      assert.match(r.stderr, new RegExp(`${key}: `), `${bin}: ${r.stderr}`);
    }
  }
  for (const bin of ['memberd', 'memberd-mailer']) {
    const ok = spawnSync(path.join(s.bin, bin), ['-c', s.confPath, '-t'], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /configuration ok/);
  }
});

test('memberctl migrate is safe to run twice and --status lists every migration', async () => {
  const again = s.memberctl(['migrate']);
  assert.equal(again.status, 0, again.stderr);
  assert.match(again.stdout, /^0 migrations applied/m);
  const st = s.memberctl(['migrate', '--status']);
  assert.equal(st.status, 0);
  assert.match(st.stdout, /^001_core\s+\d{4}-\d\d-\d\dT/m);
  assert.match(st.stdout, /^0 pending$/m);
  const rows = s.sql('SELECT count(*) FROM schema_migrations')[0][0];
  assert.equal(Number(rows), st.stdout.split('\n').filter((l) => /^\d{3}_/.test(l)).length);
  // two at once serialise on the advisory lock
  const { spawn } = await import('node:child_process');
  const path = await import('node:path');
  const run = () => new Promise((resolve) => {
    const p = spawn(path.join(s.bin, 'memberctl'), ['-c', s.confPath, 'migrate']);
    p.on('exit', resolve);
  });
  assert.deepEqual(await Promise.all([run(), run()]), [0, 0]);
});

test('memberctl migrate refuses a migration edited after it was applied, and trusts old rows on first use', async () => {
  const crypto = await import('node:crypto');
  const fs = await import('node:fs');
  const path = await import('node:path');
  const fileSum = (v) => crypto.createHash('sha256')
    .update(fs.readFileSync(path.join(REPO, 'sql', `${v}.sql`))).digest('hex');
  const recorded = () => Object.fromEntries(s.sql('SELECT version, sha256 FROM schema_migrations'));
  const kept = recorded();
  // every applied migration carries the SHA-256 of its file as installed
  for (const [v, sum] of Object.entries(kept)) assert.equal(sum, fileSum(v), v);
  try {
    // 002 looks edited since; 001 looks applied before checksums were kept
    s.sql("UPDATE schema_migrations SET sha256 = 'x' WHERE version = '002_identity'");
    s.sql("UPDATE schema_migrations SET sha256 = NULL WHERE version = '001_core'");
    const refused = s.memberctl(['migrate']);
    assert.equal(refused.status, 1, refused.stdout);
    assert.match(refused.stderr, /002_identity was changed after it was applied to this database; put the change in a new migration/);
    assert.doesNotMatch(refused.stdout, /migrations? applied/);
    assert.equal(recorded()['001_core'], '', 'a refused migrate wrote nothing');

    const st = s.memberctl(['migrate', '--status']);
    assert.equal(st.status, 1, st.stderr);
    assert.match(st.stdout, /^002_identity\s+changed\b/m);
    assert.match(st.stdout, /^001_core\s+\d{4}-\d\d-\d\dT\S+ \(no checksum yet/m);
    assert.match(st.stdout, /^003_invites\s+\d{4}-\d\d-\d\dT\S+Z$/m);
    assert.match(st.stdout, /^0 pending$/m);
    assert.match(st.stdout, /^1 changed$/m);
    assert.match(st.stderr, /002_identity was changed after it was applied/);

    // both back to "applied before checksums": migrate fills them in
    s.sql("UPDATE schema_migrations SET sha256 = NULL WHERE version = '002_identity'");
    const ok = s.memberctl(['migrate']);
    assert.equal(ok.status, 0, ok.stderr);
    assert.match(ok.stdout, /^recorded the checksum of 001_core\b/m);
    assert.match(ok.stdout, /^recorded the checksum of 002_identity\b/m);
    assert.match(ok.stdout, /^0 migrations applied/m);
    const filled = recorded();
    assert.match(filled['002_identity'], /^[0-9a-f]{64}$/);
    assert.deepEqual(filled, kept);
    const again = s.memberctl(['migrate', '--status']);
    assert.equal(again.status, 0, again.stderr);
    assert.doesNotMatch(again.stdout, /changed|no checksum/);
  } finally {
    for (const [v, sum] of Object.entries(kept)) {
      s.sql(`UPDATE schema_migrations SET sha256 = '${sum}' WHERE version = '${v}'`);
    }
  }
});

test('memberctl migrate upgrades a schema_migrations from before checksums', () => {
  const kept = s.sql('SELECT version, sha256 FROM schema_migrations ORDER BY version');
  try {
    s.sql('ALTER TABLE schema_migrations DROP COLUMN sha256');
    const st = s.memberctl(['migrate', '--status']);
    assert.equal(st.status, 0, st.stderr);
    assert.equal(st.stdout.split('\n').filter((l) => /\(no checksum yet/.test(l)).length, kept.length);
    const r = s.memberctl(['migrate']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.split('\n').filter((l) => /^recorded the checksum of /.test(l)).length, kept.length);
    assert.match(r.stdout, /^0 migrations applied/m);
    assert.deepEqual(s.sql('SELECT version, sha256 FROM schema_migrations ORDER BY version'), kept);
  } finally {
    s.sql('ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS sha256 text');
    for (const [v, sum] of kept) {
      s.sql(`UPDATE schema_migrations SET sha256 = '${sum}' WHERE version = '${v}'`);
    }
  }
});

test('a redirect of nginx names no host, whatever the Host header says', async () => {
  const { request } = await import('node:http');
  const get = (p, host) => new Promise((resolve, reject) => {
    const req = request(`${s.url}${p}`, { headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res));
    });
    req.on('error', reject);
    req.end();
  });
  for (const p of ['/portal', '/admin']) {
    const r = await get(p, 'evil.example');
    assert.equal(r.statusCode, 301, p);
    assert.equal(r.headers.location, `${p}/`, p);
  }
});
