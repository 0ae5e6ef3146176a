// An HTTP client that behaves like a browser tab of the portal: it keeps
// the cookies memberd sets and sends the CSRF token it was given. Every
// answer it receives must match the API's description (docs/openapi.json).
import { spawnSync } from 'node:child_process';
import { checkResponse } from './openapi.mjs';

export class Client {
  constructor(baseUrl) {
    this.baseUrl = baseUrl;
    this.cookies = new Map();
    this.csrf = null;
    this.lastSetCookies = [];
  }

  cookieHeader() {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  // {status, headers, json, text}; csrf: false leaves the header out.
  async req(method, path, body, { headers = {}, csrf = true, raw } = {}) {
    const h = { ...headers };
    if (this.cookies.size) h.cookie = this.cookieHeader();
    if (csrf && this.csrf && method !== 'GET') h['x-csrf-token'] = this.csrf;
    let b = raw;
    if (body !== undefined) {
      b = JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.baseUrl + path, { method, headers: h, body: b, redirect: 'manual' });
    this.lastSetCookies = res.headers.getSetCookie();
    for (const c of this.lastSetCookies) {
      const [pair, ...attrs] = c.split(';').map((x) => x.trim());
      const i = pair.indexOf('=');
      const name = pair.slice(0, i);
      const value = pair.slice(i + 1);
      if (attrs.some((a) => /^max-age=0$/i.test(a)) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await res.text();
    // every answer is held to docs/openapi.json (tests/lib/openapi.mjs)
    checkResponse({ method, url: this.baseUrl + path, status: res.status, headers: res.headers, text });
    let json;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = undefined; }
    if (json && typeof json.csrf_token === 'string') this.csrf = json.csrf_token;
    return { status: res.status, headers: res.headers, json, text };
  }

  get(p, o) { return this.req('GET', p, undefined, o); }
  post(p, b, o) { return this.req('POST', p, b, o); }
  patch(p, b, o) { return this.req('PATCH', p, b, o); }
  del(p, o) { return this.req('DELETE', p, undefined, o); }
}

let seq = 0;
// A unique address per call, so tests never collide.
export function uniqueEmail(tag = 'user') {
  seq += 1;
  return `${tag}.${process.pid}.${Date.now()}.${seq}@example.com`;
}

export const PASSWORD = 'correct horse battery staple';

// Register a user and return [client, user].
export async function registerUser(stack, fields = {}) {
  const c = new Client(stack.url);
  const email = fields.email ?? uniqueEmail();
  const r = await c.post('/api/v1/auth/register', {
    email, password: PASSWORD, first_name: 'Test', last_name: 'User', ...fields,
  });
  if (r.status !== 201) throw new Error(`register ${email}: ${r.status} ${r.text}`);
  return [c, r.json.user];
}

// Create an administrator with memberctl and sign in as them.
export async function adminClient(stack, email = uniqueEmail('admin'), name = 'Ada Admin') {
  const out = stack.memberctl(['admin', 'add', email, '--name', name], { input: `${PASSWORD}\n` });
  if (out.status !== 0) throw new Error(`memberctl admin add: ${out.stderr}`);
  const c = new Client(stack.url);
  const r = await c.post('/api/v1/admin/auth/login', { email, password: PASSWORD });
  if (r.status !== 200) throw new Error(`admin login: ${r.status} ${r.text}`);
  c.email = email;
  return c;
}

// The link from a caught email: the first http(s) URL whose path matches.
export function linkFrom(raw, pathPart) {
  const unfolded = raw.replace(/=\r?\n/g, '').replace(/=3D/g, '=');
  const m = unfolded.match(new RegExp(`https?://[^\\s"<>]*${pathPart}#[A-Za-z0-9_-]{43}`));
  return m ? m[0] : null;
}

export function pgDump(stack) {
  const r = spawnSync('pg_dump', ['-h', '127.0.0.1', '-p', String(stack.pgPort), '-U', 'memberd', 'memberd'],
    { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`pg_dump: ${r.stderr}`);
  return r.stdout;
}
