// A stand-in for another service of the portal (the billing service of
// nginx/snippets/memberd-authz.conf's example): every request is answered
// 200 with a JSON object of what it received, {"method", "url",
// "headers": {lower-case name: value}}, so the tests and bench/authz.sh
// see exactly which X-Memberd-* headers nginx passed on. It listens on a
// unix socket (made reachable by nginx's workers) or a loopback port.
//
// usage: node tools/echo-upstream.mjs --socket PATH | --port N
import fs from 'node:fs';
import http from 'node:http';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) =>
    a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc, []));

const server = http.createServer((req, res) => {
  // the body is not echoed; read it so the connection can be kept
  req.resume();
  req.on('end', () => {
    const headers = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      const k = req.rawHeaders[i].toLowerCase();
      headers[k] = k in headers ? `${headers[k]}, ${req.rawHeaders[i + 1]}` : req.rawHeaders[i + 1];
    }
    const body = JSON.stringify({ method: req.method, url: req.url, headers }) + '\n';
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 60000;
server.on('error', (e) => { console.error('echo-upstream:', e.message); process.exit(1); });
if (args.socket) {
  fs.rmSync(args.socket, { force: true });
  server.listen(args.socket, () => {
    fs.chmodSync(args.socket, 0o666);
    console.log(`echo-upstream: listening on ${args.socket}`);
  });
} else {
  const port = Number(args.port || 8090);
  server.listen(port, '127.0.0.1', () => console.log(`echo-upstream: listening on 127.0.0.1:${port}`));
}
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { server.closeAllConnections?.(); server.close(() => process.exit(0)); });
