// The HTTP client of the systemd deploy suite (tests/deploy/nspawn.mjs),
// run by the host's node inside the container's network namespace
// (nsenter -n): the container's nginx is on its own loopback, port 443.
//   node nspawn-net.mjs request METHOD PATH [JSON]  -> {status, json}
//   node nspawn-net.mjs load PATH MS CONCURRENCY    -> {ok, failed, statuses}
import https from 'node:https';

const BASE = { host: '127.0.0.1', port: 443, servername: 'portal.example.com', rejectUnauthorized: false };

function request(method, path, body) {
  return new Promise((resolve) => {
    const data = body === undefined ? undefined : Buffer.from(body);
    const req = https.request({
      ...BASE, method, path, agent: false, timeout: 20000,
      headers: { host: 'portal.example.com', ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let json;
        try { json = JSON.parse(text); } catch { json = undefined; }
        resolve({ status: res.statusCode, json, text: json ? undefined : text.slice(0, 200) });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, error: e.message }));
    req.end(data);
  });
}

async function load(path, ms, concurrency) {
  const end = Date.now() + ms;
  const out = { ok: 0, failed: 0, statuses: {}, errors: [] };
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < end) {
      const r = await request('GET', path);
      out.statuses[r.status] = (out.statuses[r.status] || 0) + 1;
      if (r.status === 200) out.ok++;
      else {
        out.failed++;
        if (out.errors.length < 5) out.errors.push(r);
      }
    }
  }));
  return out;
}

const [cmd, ...args] = process.argv.slice(2);
let result;
if (cmd === 'request') result = await request(args[0], args[1], args[2]);
else if (cmd === 'load') result = await load(args[0], Number(args[1]), Number(args[2]));
else {
  console.error('usage: nspawn-net.mjs request METHOD PATH [JSON] | load PATH MS CONCURRENCY');
  process.exit(2);
}
console.log(JSON.stringify(result));
