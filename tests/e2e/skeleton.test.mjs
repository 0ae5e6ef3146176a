// The walking skeleton through nginx: health, the request layer's errors
// and headers, and the access log.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from '../lib/stack.mjs';

let s;
before(async () => { s = await startStack(); });
after(async () => { await s?.stop(); });

test('health answers ok when the database answers', async () => {
  const r = await s.api('/api/v1/health');
  assert.equal(r.status, 200);
  assert.deepEqual(r.json, { status: 'ok' });
  assert.match(r.headers.get('content-type'), /^application\/json/);
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
