// The API's description: served by memberd as docs/openapi.json holds
// it, checked as a document and against src/api/routes.c, and the checks
// that hold every other test's answers to it really refuse what is not
// documented.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, startStack } from '../lib/stack.mjs';
import { checkResponse, DOC_PATH } from '../lib/openapi.mjs';

let s;
before(async () => { s = await startStack(); });
after(async () => { await s?.stop(); });

const checker = (...args) => spawnSync(process.execPath, [path.join(REPO, 'tools/check-openapi.mjs'), ...args],
  { encoding: 'utf8' });

test('GET /api/v1/openapi.json serves docs/openapi.json, without a session, like every API answer', async () => {
  const r = await s.api('/api/v1/openapi.json');
  assert.equal(r.status, 200);
  assert.equal(r.text, fs.readFileSync(DOC_PATH, 'utf8'));
  assert.match(r.headers.get('content-type'), /^application\/json/);
  assert.equal(r.headers.get('cache-control'), 'no-store');
  assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
  assert.match(r.json.openapi, /^3\.1\./);
});

test('the description is a valid OpenAPI 3.1 document with every route of routes.c', () => {
  const r = checker();
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /(\d+) operations, \1 routes: ok/);
});

test('the check fails on a route missing from the description, or documented and not routed', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memberd-openapi-'));
  try {
    const doc = JSON.parse(fs.readFileSync(DOC_PATH, 'utf8'));
    delete doc.paths['/api/v1/admin/clients/{id}/owner'];
    doc.paths['/api/v1/nowhere'] = { get: doc.paths['/api/v1/health'].get };
    fs.writeFileSync(path.join(dir, 'doc.json'), JSON.stringify(doc));
    const r = checker('--doc', path.join(dir, 'doc.json'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /POST \/api\/v1\/admin\/clients\/\{\}\/owner \(h_admin_owner_change\) is in routes.c but not in the description/);
    assert.match(r.stderr, /GET \/api\/v1\/nowhere is in the description but routes.c has no such route/);

    const routes = fs.readFileSync(path.join(REPO, 'src/api/routes.c'), 'utf8')
      .replace('V1 "/auth/logout", AUTH_USER | NEED_CSRF', 'V1 "/auth/logout", AUTH_USER');
    fs.writeFileSync(path.join(dir, 'routes.c'), routes);
    const r2 = checker('--routes', path.join(dir, 'routes.c'));
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /POST \/api\/v1\/auth\/logout: routes.c says csrf false/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the check fails on a dangling $ref and an operation without responses', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memberd-openapi-'));
  try {
    const doc = JSON.parse(fs.readFileSync(DOC_PATH, 'utf8'));
    doc.paths['/api/v1/me'].get.responses['200'].content['application/json'].schema = { $ref: '#/components/schemas/Nope' };
    doc.paths['/api/v1/health'].get.responses = {};
    doc.openapi = '3.0.3';
    fs.writeFileSync(path.join(dir, 'doc.json'), JSON.stringify(doc));
    const r = checker('--doc', path.join(dir, 'doc.json'));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /\$ref #\/components\/schemas\/Nope does not resolve/);
    assert.match(r.stderr, /GET \/api\/v1\/health: no responses/);
    assert.match(r.stderr, /openapi is "3.0.3", not 3.1.x/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

// The answers below are real ones, changed the way a bug would change them.
test('an undocumented status, a body off its schema or a missing header fails the check', async () => {
  const r = await fetch(`${s.url}/api/v1/auth/login`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'nobody@example.com', password: 'wrong password!' }),
  });
  const text = await r.text();
  const base = { method: 'POST', url: `${s.url}/api/v1/auth/login`, headers: r.headers, text };
  assert.equal(r.status, 401);
  checkResponse({ ...base, status: 401 });
  assert.throws(() => checkResponse({ ...base, status: 418 }), /answered 418, which the description does not document/);
  assert.throws(() => checkResponse({ ...base, status: 401, text: text.replace('invalid_credentials', 'not_found') }),
    /does not match the schema/);
  assert.throws(() => checkResponse({ ...base, status: 401, text: JSON.stringify({ error: { code: 'invalid_credentials' } }) }),
    /must have required property 'message'/);

  const h = await fetch(`${s.url}/api/v1/health`, { method: 'DELETE' });
  const htext = await h.text();
  const noAllow = new Headers(h.headers);
  noAllow.delete('allow');
  checkResponse({ method: 'DELETE', url: `${s.url}/api/v1/health`, status: 405, headers: h.headers, text: htext });
  assert.throws(() => checkResponse({ method: 'DELETE', url: `${s.url}/api/v1/health`, status: 405, headers: noAllow, text: htext }),
    /header Allow is required and missing/);

  const me = await fetch(`${s.url}/api/v1/me`);
  const metext = await me.text();
  assert.throws(() => checkResponse({ method: 'GET', url: `${s.url}/api/v1/me`, status: 200, headers: me.headers, text: metext }),
    /does not match the schema/, 'a 401 body is not a 200 body');
  assert.throws(() => checkResponse({ method: 'GET', url: `${s.url}/api/v1/nowhere`, status: 200, headers: me.headers, text: metext }),
    /matches no documented path/);
});
