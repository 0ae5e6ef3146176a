// A local webhook receiver for the developer stack: every request it gets
// is written to DIR/ as one JSON file {"headers": {lower-case name:
// value}, "body": "<the raw body>"} (written under a dot name first, then
// renamed, so readers never see half a file), and answered 204.
//
// usage: node tools/webhook-receiver.mjs --port 2626 --dir var/webhooks
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) =>
    a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc, []));
const port = Number(args.port || 2626);
const dir = args.dir || 'var/webhooks';
fs.mkdirSync(dir, { recursive: true });

let seq = 0;
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const headers = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : v;
    const name = `${Date.now()}.${process.pid}_${++seq}.json`;
    const tmp = path.join(dir, `.${name}`);
    fs.writeFileSync(tmp, JSON.stringify({ headers, body: Buffer.concat(chunks).toString('utf8') }, null, 1) + '\n');
    fs.renameSync(tmp, path.join(dir, name));
    console.log(`${new Date().toISOString()} webhook-receiver: ${name} ${headers['webhook-id'] || '-'}`);
    res.writeHead(204);
    res.end();
  });
});
server.keepAliveTimeout = 60000;
server.on('error', (e) => { console.error('webhook-receiver:', e.message); process.exit(1); });
server.listen(port, '127.0.0.1', () =>
  console.log(`webhook-receiver: listening on 127.0.0.1:${port}, writing to ${dir}`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { server.closeAllConnections?.(); server.close(() => process.exit(0)); });
