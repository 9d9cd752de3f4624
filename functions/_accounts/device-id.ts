// The device id of silent sign-in (POST /{app}/auth/device) is the account's only credential: whoever presents it
// first owns the account and whoever presents it later is let in. So it must be as hard to guess as a key (the app
// draws 16+ bytes from a secure random generator, keeps them in the Keychain or Keystore and sends them nowhere
// else), and the server keeps only a keyed hash of it. This module is what the API accepts and how it is kept.
import { z } from '@hono/zod-openapi';
import { hmacSha256, toHex } from '../_shared/digest.ts';

/** What 16 random bytes hold. */
const MIN_BITS = 128;
/**
 * A random id has a character or two that happen to continue a pattern; one whose unpatterned characters hold fewer
 * bits than this was not drawn at random. Measured on a million random 32-character hex ids: 8 had 5 patterned
 * characters, none more, each extra one about ten times rarer; refusal takes 11, so about once in 10^11. 8 random
 * bytes padded with zeros to 32 characters count as 80 bits: refused.
 */
const MIN_UNPATTERNED_BITS = 88;
const MAX_LENGTH = 128;

const ALPHABETS = [
  // Hex in either case counts as hex: 4 bits a character, however many letters it happens to use.
  { shape: /^[0-9a-fA-F]+$/, chars: '0123456789abcdef', bits: 4 },
  { shape: /^[A-Za-z0-9_-]+$/, chars: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_', bits: 6 },
];

/** A UUID's text (only 122 random bits in a v4), the commonest id an app has at hand. */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

/**
 * Characters a pattern predicts: those where the last three steps between neighbours (distances in the alphabet)
 * repeat three steps seen before. Runs (aaaa), sequences (0123, fedc), repeated blocks (deadbeefdeadbeef) and
 * interleavings (aabbcc) are caught; in random hex each earlier triple of steps matches by chance once in 4,096.
 */
function patternedChars(positions: number[], size: number): number {
  const seen = new Set<string>();
  let patterned = 0;
  for (let i = 3; i < positions.length; i++) {
    const steps = [i - 2, i - 1, i].map((j) => (positions[j] - positions[j - 1] + size) % size).join(',');
    if (seen.has(steps)) patterned++;
    else seen.add(steps);
  }
  return patterned;
}

/** Why a device id is refused, in words that do not repeat it; undefined when it is accepted. */
export function deviceIdProblem(id: string): string | undefined {
  const alphabet = ALPHABETS.find((a) => a.shape.test(id));
  if (!alphabet) return 'must be hex or unpadded base64url (A-Z, a-z, 0-9, "-" and "_") of 16+ random bytes';
  if (UUID.test(id)) {
    return 'a UUID holds at most 122 random bits: send 16+ random bytes as 32 hex or 22 base64url characters';
  }
  if (id.length * alphabet.bits < MIN_BITS) return 'too short: 16 random bytes are 32 hex or 22 base64url characters';
  const positions = Array.from(alphabet.bits === 4 ? id.toLowerCase() : id, (c) => alphabet.chars.indexOf(c));
  const unpatterned = id.length - patternedChars(positions, alphabet.chars.length);
  if (unpatterned * alphabet.bits < MIN_UNPATTERNED_BITS) {
    return 'too regular (runs, sequences or repeats): draw it from a secure random generator';
  }
  return undefined;
}

export const DeviceId = z
  .string()
  .max(MAX_LENGTH)
  .superRefine((id, ctx) => {
    const problem = deviceIdProblem(id);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .openapi({
    description:
      "The installation's sign-in secret: 16+ bytes from a secure random generator, as 32+ hex or 22+ base64url " +
      'characters, kept in the Keychain (iOS) or Keystore-encrypted storage (Android) and sent nowhere but here. ' +
      'Not a UUID, and never the installation_id of /devices or the device_id of sync.',
    example: 'q3Xk9fZ2mB7tR1wYc8LhVg',
  });

/** The only form in which the server keeps a device id: its HMAC-SHA-256 under SIGN_IN_SECRET, in hex. */
export async function deviceIdHash(secret: string, deviceId: string): Promise<string> {
  return toHex(await hmacSha256(secret, `houtai-device-id:${deviceId}`));
}
