// A throwaway certificate authority made with the openssl command line, for
// the SMTP peers of the mailer tests: issue({dns, ip}) signs a server
// certificate; two CAs make a certificate the mailer must not trust.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const openssl = (args, cwd) => execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });

export function makeCA(name = 'memberd test CA') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'memberd-ca-'));
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', `/CN=${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE',
    '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  let serial = 0;
  return {
    dir,
    certFile: path.join(dir, 'ca.crt'),
    // A server certificate for these names and addresses: {key, cert} PEM.
    issue({ cn = 'relay', dns = [], ip = [] } = {}) {
      const base = `leaf${++serial}`;
      const san = [...dns.map((d) => `DNS:${d}`), ...ip.map((a) => `IP:${a}`)].join(',');
      fs.writeFileSync(path.join(dir, `${base}.ext`),
        `basicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n${san ? `subjectAltName=${san}\n` : ''}`);
      openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${cn}`], dir);
      openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key',
        '-set_serial', String(1000 + serial), '-days', '2', '-out', `${base}.crt`,
        '-extfile', `${base}.ext`], dir);
      return {
        key: fs.readFileSync(path.join(dir, `${base}.key`)),
        cert: fs.readFileSync(path.join(dir, `${base}.crt`)),
      };
    },
    remove() { fs.rmSync(dir, { recursive: true, force: true }); },
  };
}
