// Time-based one-time passwords as GoTrue makes and checks them (pquerna/otp, RFC 6238): a secret of 20 random bytes
// in unpadded base32 (RFC 4648), HMAC-SHA1, 6 digits, 30-second steps, one step of clock skew either way.
import { createHmac, timingSafeEqual } from 'node:crypto';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const PERIOD_SECONDS = 30;
const DIGITS = 6;
const SKEW_STEPS = 1;

export function base32Encode(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** Case-insensitive, padding ignored, as authenticator apps read a secret. */
export function base32Decode(text: string): Uint8Array {
  const clean = text.toUpperCase().replace(/=+$/, '');
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of clean) {
    const index = ALPHABET.indexOf(char);
    if (index < 0) throw new Error(`not a base32 character: ${char}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 255);
      bits -= 8;
    }
  }
  return new Uint8Array(out);
}

export const newTotpSecret = () => base32Encode(crypto.getRandomValues(new Uint8Array(20)));

/** RFC 4226 HOTP of the counter: dynamic truncation of HMAC-SHA1, the last DIGITS digits. */
function hotp(key: Uint8Array, counter: number): string {
  const message = new Uint8Array(8);
  new DataView(message.buffer).setBigUint64(0, BigInt(counter));
  const mac = createHmac('sha1', key).update(message).digest();
  const offset = mac[mac.length - 1] & 0xf;
  const binary = new DataView(mac.buffer, mac.byteOffset, mac.byteLength).getUint32(offset) & 0x7fffffff;
  return String(binary % 10 ** DIGITS).padStart(DIGITS, '0');
}

const stepAt = (unixMs: number) => Math.floor(unixMs / 1000 / PERIOD_SECONDS);

/** The code an authenticator app shows for the secret at the time (what tests type in). */
export function totpCode(secret: string, unixMs = Date.now()): string {
  return hotp(base32Decode(secret), stepAt(unixMs));
}

/** Whether the code is the secret's for this step or the one before or after it. */
export function verifyTotp(secret: string, code: string, unixMs = Date.now()): boolean {
  const typed = code.trim();
  if (!/^\d+$/.test(typed) || typed.length !== DIGITS) return false;
  const key = base32Decode(secret);
  const step = stepAt(unixMs);
  const text = new TextEncoder();
  let match = false;
  for (let skew = -SKEW_STEPS; skew <= SKEW_STEPS; skew++) {
    // Every step is compared, in constant time, so the answer's timing says nothing about which one matched.
    match = timingSafeEqual(text.encode(hotp(key, step + skew)), text.encode(typed)) || match;
  }
  return match;
}

/** The otpauth:// URI an authenticator app scans (Key Uri Format), as pquerna/otp writes it. */
export function totpUri(issuer: string, accountName: string, secret: string): string {
  const query = [
    ['algorithm', 'SHA1'],
    ['digits', String(DIGITS)],
    ['issuer', issuer],
    ['period', String(PERIOD_SECONDS)],
    ['secret', secret],
  ].map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return `otpauth://totp/${encodeURI(`${issuer}:${accountName}`)}?${query}`;
}
