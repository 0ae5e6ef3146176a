// A real SMTP server in the test process (nodemailer's smtp-server) that the
// mailer delivers to: optional STARTTLS with a given certificate, optional
// AUTH, and a script that may refuse a recipient or a message. It records
// every accepted message and every connection.
//
//   const peer = await startSmtpPeer({ tls: ca.issue({ ip: ['127.0.0.1'] }),
//     auth: { user: 'u', pass: 'p' }, onData: (m) => m.attempt < 2 ? 451 : null });
//   peer.accepted  -> [{ raw, messageId, to, secure, servername, tlsVersion, user, sessionId, at }]
import { SMTPServer } from 'smtp-server';
import { freePort, waitFor } from './stack.mjs';

const messageIdOf = (raw) => (/^Message-ID:\s*(<[^>\r\n]+>)/mi.exec(raw) || [])[1];

// Options:
//   port      listen here (default: a free port); reused by restart()
//   tls       {key, cert}: offer STARTTLS with them; absent: no STARTTLS
//   auth      {user, pass}: require AUTH PLAIN or LOGIN with these
//   onRcpt(address, ctx)   -> null to accept, or a reply code (or {code, message})
//   onData({raw, messageId, attempt, to}) -> the same, after the whole message
//   delayMs   wait this long before answering the end of DATA
//   greeting  {code, message}: greet with this refusal and hang up (e.g. 554)
//   dropAfterEach  true: hang up right after answering each message's DATA
export async function startSmtpPeer(opts = {}) {
  const port = opts.port || await freePort();
  const peer = {
    port,
    accepted: [],		// messages answered 250
    refused: [],		// {messageId, code} refused at DATA or RCPT
    connections: 0,
    secureConnections: 0,
    authFailures: 0,
    seen: new Map(),		// messageId -> times offered in DATA
    server: null,
    // How many times each Message-ID was accepted.
    counts() {
      const c = new Map();
      for (const m of peer.accepted) c.set(m.messageId, (c.get(m.messageId) || 0) + 1);
      return c;
    },
    async waitAccepted(n, timeout = 20000) {
      return waitFor(`${n} accepted messages (have ${peer.accepted.length})`,
        () => peer.accepted.length >= n, { timeout });
    },
    async close() {
      const srv = peer.server;
      peer.server = null;
      if (srv) await new Promise((resolve) => srv.close(resolve));
    },
    async restart() {
      await peer.close();
      await listen();
    },
  };

  const reply = (decision, fallbackMessage) => {
    if (decision == null) return null;
    const d = typeof decision === 'number' ? { code: decision } : decision;
    const err = new Error(d.message || fallbackMessage);
    err.responseCode = d.code;
    return err;
  };

  const listen = () => new Promise((resolve, reject) => {
    const server = new SMTPServer({
      logger: false,
      banner: 'memberd test peer',
      closeTimeout: 100,
      size: 10 * 1024 * 1024,
      ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : { disabledCommands: ['STARTTLS'] }),
      ...(opts.auth
        ? { authMethods: ['PLAIN', 'LOGIN'], authOptional: false, allowInsecureAuth: !opts.tls }
        : { authOptional: true, disabledCommands: opts.tls ? ['AUTH'] : ['STARTTLS', 'AUTH'] }),
      onConnect(session, cb) {
        peer.connections++;
        cb(opts.greeting ? reply(opts.greeting, 'no service') : null);
      },
      onSecure(socket, session, cb) {
        peer.secureConnections++;
        cb();
      },
      onAuth(auth, session, cb) {
        if (auth.username === opts.auth.user && auth.password === opts.auth.pass) return cb(null, { user: auth.username });
        peer.authFailures++;
        return cb(new Error('Invalid username or password'));
      },
      onRcptTo(address, session, cb) {
        const d = opts.onRcpt ? opts.onRcpt(address.address, { session }) : null;
        if (d != null) peer.refused.push({ to: address.address, code: d.code ?? d });
        cb(reply(d, 'recipient refused'));
      },
      onData(stream, session, cb) {
        const chunks = [];
        stream.on('data', (c) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const messageId = messageIdOf(raw);
          const attempt = (peer.seen.get(messageId) || 0) + 1;
          peer.seen.set(messageId, attempt);
          const to = session.envelope.rcptTo.map((r) => r.address);
          const finish = () => {
            const d = opts.onData ? opts.onData({ raw, messageId, attempt, to }) : null;
            if (d != null) {
              peer.refused.push({ messageId, code: d.code ?? d });
              return cb(reply(d, 'message refused'));
            }
            peer.accepted.push({
              raw, messageId, to, secure: session.secure, servername: session.servername,
              tlsVersion: session.tlsOptions ? session.tlsOptions.version : null,
              user: session.user, sessionId: session.id, at: Date.now(),
            });
            cb(null, 'queued');
            if (opts.dropAfterEach) {
              // the reply is written; hang up before the next command
              for (const c of server.connections) if (c.id === session.id) setImmediate(() => c.close());
            }
            return undefined;
          };
          if (opts.delayMs) setTimeout(finish, opts.delayMs); else finish();
        });
      },
    });
    server.on('error', (e) => { if (!peer.server) reject(e); });
    server.listen(port, '127.0.0.1', () => { peer.server = server; resolve(); });
  });
  await listen();
  return peer;
}
