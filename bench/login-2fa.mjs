// bench/login.sh's client for logins with two-factor authentication,
// which wrk cannot drive (each code is an HMAC of the time, and memberd
// accepts each code once). The same client measures the password-only
// login too, so the two figures differ by memberd's work alone.
//   node bench/login-2fa.mjs setup URL N FILE     N users with 2FA on, into FILE
//   node bench/login-2fa.mjs compare URL SECS PAIRS CONC PLAIN_FILE 2FA_FILE
// Password-only logins (POST /auth/login over PLAIN_FILE's users) and 2FA
// logins (POST /auth/login, then POST /auth/login/2fa with the code, over
// 2FA_FILE's), CONC at once, in PAIRS alternating slices of SECS seconds
// each, so that both see the same machine even when its load drifts.
// Prints one line per pair ("plain/s 2fa/s"), then the sums, then the
// median time of one login of each kind ("median MS MS"): the steadier
// figure on a machine whose load drifts.
import fs from 'node:fs';
import { Authenticator } from '../tests/lib/totp.mjs';

const PW = 'correct horse battery staple';
const [, , cmd, url, ...rest] = process.argv;

async function post(path, body, cookie) {
  const headers = { 'content-type': 'application/json' };
  if (cookie) {
    headers.cookie = cookie.cookie;
    headers['x-csrf-token'] = cookie.csrf;
  }
  const res = await fetch(url + path, { method: 'POST', headers, body: JSON.stringify(body) });
  const json = await res.json().catch(() => null);
  return { status: res.status, json, setCookie: res.headers.getSetCookie() };
}

async function setup(n, file) {
  const users = [];
  const one = async (i) => {
    const email = `bench2fa${i}@example.com`;
    const r = await post('/api/v1/auth/register', { email, password: PW, first_name: 'B', last_name: String(i) });
    if (r.status !== 201) throw new Error(`register ${email}: ${r.status}`);
    const cookie = { cookie: r.setCookie[0].split(';')[0], csrf: r.json.csrf_token };
    const s = await post('/api/v1/me/2fa/setup', { password: PW }, cookie);
    const app = new Authenticator(s.json.secret);
    const e = await post('/api/v1/me/2fa/enable', { code: await app.next() }, cookie);
    if (e.status !== 200) throw new Error(`enable ${email}: ${e.status}`);
    users.push({ email, secret: s.json.secret, last: app.last });
  };
  for (let i = 1; i <= n; i += 8) {
    await Promise.all(Array.from({ length: Math.min(8, n - i + 1) }, (_, k) => one(i + k)));
  }
  fs.writeFileSync(file, JSON.stringify(users));
}

function load(file) {
  const users = JSON.parse(fs.readFileSync(file, 'utf8')).map((u) => {
    const app = new Authenticator(u.secret || 'A'.repeat(32));
    app.last = u.last || 0;
    return { ...u, app };
  });
  users.next = 0;
  return users;
}

const times = { password: [], '2fa': [] };

// One slice: logins of mode for secs seconds, conc at once. Logins/s.
async function slice(mode, users, secs, conc) {
  let done = 0;
  let bad = 0;
  const end = Date.now() + secs * 1000;
  const login = async (u) => {
    const r = await post('/api/v1/auth/login', { email: u.email, password: PW });
    if (mode === 'password') return r.status === 200 && !r.json.two_factor_required;
    if (r.status !== 200 || !r.json.two_factor_required) return false;
    const s = await post('/api/v1/auth/login/2fa', { challenge: r.json.challenge, code: await u.app.next() });
    return s.status === 200;
  };
  const worker = async () => {
    while (Date.now() < end) {
      // the cursor goes on from slice to slice: a user's next login is
      // as late as can be, so its next code is of a step not used yet
      const u = users[users.next];
      users.next = (users.next + 1) % users.length;
      const t = performance.now();
      if (await login(u)) {
        done += 1;
        times[mode].push(performance.now() - t);
      } else bad += 1;
    }
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: conc }, worker));
  if (bad) process.stderr.write(`${mode}: ${bad} logins failed\n`);
  return done / ((Date.now() - t0) / 1000);
}

async function compare(secs, pairs, conc, plainFile, tfFile) {
  const plain = load(plainFile);
  const tf = load(tfFile);
  let sp = 0;
  let st = 0;
  for (let i = 0; i < pairs; i++) {
    // which goes first alternates too
    const [a, b] = i % 2 ? ['2fa', 'password'] : ['password', '2fa'];
    const r = {};
    r[a] = await slice(a, a === '2fa' ? tf : plain, secs, conc);
    r[b] = await slice(b, b === '2fa' ? tf : plain, secs, conc);
    sp += r.password;
    st += r['2fa'];
    process.stdout.write(`${r.password.toFixed(2)} ${r['2fa'].toFixed(2)}\n`);
  }
  process.stdout.write(`sum ${sp.toFixed(2)} ${st.toFixed(2)}\n`);
  const median = (a) => {
    const s = [...a].sort((x, y) => x - y);
    return s.length ? s[Math.floor(s.length / 2)] : NaN;
  };
  process.stdout.write(`median ${median(times.password).toFixed(1)} ${median(times['2fa']).toFixed(1)}\n`);
}

if (cmd === 'setup') await setup(Number(rest[0]), rest[1]);
else if (cmd === 'compare') await compare(Number(rest[0]), Number(rest[1]), Number(rest[2]), rest[3], rest[4]);
else {
  process.stderr.write('usage: login-2fa.mjs setup URL N FILE | compare URL SECS PAIRS CONC PLAIN_FILE 2FA_FILE\n');
  process.exit(2);
}
