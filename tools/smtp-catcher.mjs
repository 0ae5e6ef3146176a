// A local SMTP server for the developer stack and the tests: every message
// it accepts is written whole, as received, to DIR/new/ (Maildir style:
// written to DIR/tmp/ first, then renamed, so readers never see half a file).
//
// usage: node tools/smtp-catcher.mjs --port 2525 --dir var/mail
import fs from 'node:fs';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) =>
    a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc, []));
const port = Number(args.port || 2525);
const dir = args.dir || 'var/mail';
for (const sub of ['tmp', 'new', 'cur']) fs.mkdirSync(path.join(dir, sub), { recursive: true });

let seq = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  size: 10 * 1024 * 1024,
  logger: false,
  onData(stream, session, callback) {
    const chunks = [];
    stream.on('data', (c) => chunks.push(c));
    stream.on('end', () => {
      const name = `${Date.now()}.${process.pid}_${++seq}.eml`;
      const tmp = path.join(dir, 'tmp', name);
      fs.writeFileSync(tmp, Buffer.concat(chunks));
      fs.renameSync(tmp, path.join(dir, 'new', name));
      const rcpt = session.envelope.rcptTo.map((r) => r.address).join(',');
      console.log(`${new Date().toISOString()} smtp-catcher: ${name} to ${rcpt}`);
      callback(null, 'queued as ' + name);
    });
  },
});
server.on('error', (e) => console.error('smtp-catcher:', e.message));
server.listen(port, '127.0.0.1', () =>
  console.log(`smtp-catcher: listening on 127.0.0.1:${port}, writing to ${dir}/new`));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => server.close(() => process.exit(0)));
