// The emulator's TOTP against RFC 6238's SHA-1 test vectors (the last six digits of its eight-digit codes, as a
// six-digit authenticator shows them), and the window GoTrue accepts: one 30-second step either way, no more.
import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode, totpCode, verifyTotp } from '../../scripts/emulators/auth/totp.ts';

// RFC 6238 appendix B's SHA-1 seed, "12345678901234567890", in base32.
const SEED = base32Encode(new TextEncoder().encode('12345678901234567890'));

describe('TOTP (RFC 6238, SHA-1, 6 digits, 30 s)', () => {
  it("gives RFC 6238's codes at its test times", () => {
    const vectors: Array<[number, string]> = [
      [59, '287082'],
      [1111111109, '081804'],
      [1111111111, '050471'],
      [1234567890, '005924'],
      [2000000000, '279037'],
      [20000000000, '353130'],
    ];
    expect(vectors.map(([seconds]) => totpCode(SEED, seconds * 1000))).toEqual(vectors.map(([, code]) => code));
  });

  it('accepts the code of the step before and after, refuses two steps away and codes of another length', () => {
    const now = 1_700_000_015_000;
    const at = (steps: number) => totpCode(SEED, now + steps * 30_000);
    expect([-2, -1, 0, 1, 2].map((steps) => verifyTotp(SEED, at(steps), now))).toEqual([
      false,
      true,
      true,
      true,
      false,
    ]);
    expect(verifyTotp(SEED, `0${at(0)}`, now)).toBe(false);
    expect(verifyTotp(SEED, at(0).slice(1), now)).toBe(false);
  });

  it('base32 round-trips 20-byte secrets, unpadded, and reads lower case', () => {
    const bytes = Uint8Array.from({ length: 20 }, (_, i) => (i * 37 + 11) % 256);
    const text = base32Encode(bytes);
    expect(text).toMatch(/^[A-Z2-7]{32}$/);
    expect(base32Decode(text.toLowerCase())).toEqual(bytes);
  });
});
