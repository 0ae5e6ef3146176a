// RFC 6238 (TOTP) in a few lines of node:crypto, as an authenticator app
// computes it: HMAC-SHA-1 of the 30-second step, 6 digits. The tests use
// it to sign in as a user with two-factor authentication would.
import crypto from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Decode(s) {
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of s.replace(/=+$/, '').toUpperCase()) {
    const v = ALPHABET.indexOf(c);
    if (v < 0) throw new Error(`not base32: ${c}`);
    value = (value << 5) | v;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

// The code of a raw key at the step, with digits digits.
export function hotp(key, step, digits = 6) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = crypto.createHmac('sha1', key).update(msg).digest();
  const o = h[h.length - 1] & 15;
  const n = (h.readUInt32BE(o) & 0x7fffffff) % 10 ** digits;
  return String(n).padStart(digits, '0');
}

export const stepOf = (ms = Date.now()) => Math.floor(ms / 1000 / 30);

// The code of a base32 secret now (or at step).
export function totp(secret, step = stepOf()) {
  return hotp(base32Decode(secret), step);
}

// An authenticator app that never shows the same code twice: memberd
// accepts each code once (a step after the last one used) with one step
// of drift either way, so next() gives the code of the earliest step not
// used yet that the server still accepts: the previous step (unless it
// ends within 10 s), the current one, the next one; past those it waits.
export class Authenticator {
  constructor(secret) {
    this.secret = secret;
    this.last = 0;
  }

  async next() {
    for (;;) {
      const ms = Date.now();
      const now = stepOf(ms);
      const into = (ms / 1000) % 30;
      let step = Math.max(this.last + 1, now - 1);
      if (step === now - 1 && into > 20) step = now;
      if (step <= now + 1) {
        this.last = step;
        return totp(this.secret, step);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  // A code the server has seen already (the last one given).
  replay() {
    return totp(this.secret, this.last);
  }
}
