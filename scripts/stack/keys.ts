// The local stack's keys, as a hosted project has them: Auth's ES256 signing key (user tokens), the legacy JWT
// secret with the legacy anon / service-role API keys (long-lived HS256 JWTs with `role` anon and service_role, as
// `supabase start` prints them), and the new `sb_publishable_…` / `sb_secret_…` API keys. Made once per stack
// directory and kept there, so tokens and keys survive restarts.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { type JWK, SignJWT } from 'jose';
import { API_KEY_PREFIX, type ApiKeyKind } from '../../functions/_shared/api-keys.ts';
import { newSigningKey } from '../emulators/auth/signing-key.ts';

export interface StackKeys {
  /** Auth's private ES256 signing key (a JWK with its kid). */
  signingKey: JWK;
  jwtSecret: string;
  anonKey: string;
  serviceRoleKey: string;
  publishableKey: string;
  secretKey: string;
  /** Standard Webhooks secret shared by Auth and the send-SMS hook ("v1,whsec_<base64>"). */
  sendSmsHookSecret: string;
  /** Server-side secret from which device and WeChat sign-in passwords are derived. */
  signInSecret: string;
}

async function apiKey(role: 'anon' | 'service_role', secret: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return await new SignJWT({ role })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer('supabase-demo')
    .setIssuedAt(now)
    .setExpirationTime(now + 10 * 365 * 24 * 3600)
    .sign(new TextEncoder().encode(secret));
}

/**
 * An API key of Supabase's shape: the kind's prefix, 16 random bytes as 22 base64url characters, "_" and 8 more
 * characters (Supabase's are a checksum of unpublished make; ours are the start of the body's SHA-256).
 */
function sbApiKey(kind: ApiKeyKind): string {
  const body = randomBytes(16).toString('base64url');
  return `${API_KEY_PREFIX[kind]}${body}_${createHash('sha256').update(body).digest('base64url').slice(0, 8)}`;
}

/** Reads the stack's keys, making any that are missing (a new stack, or one made before a key existed). */
export async function ensureKeys(file: string): Promise<StackKeys> {
  const known: Partial<StackKeys> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const jwtSecret = known.jwtSecret ?? randomBytes(32).toString('base64url');
  const keys: StackKeys = {
    signingKey: known.signingKey ?? (await newSigningKey()),
    jwtSecret,
    anonKey: known.anonKey ?? (await apiKey('anon', jwtSecret)),
    serviceRoleKey: known.serviceRoleKey ?? (await apiKey('service_role', jwtSecret)),
    publishableKey: known.publishableKey ?? sbApiKey('publishable'),
    secretKey: known.secretKey ?? sbApiKey('secret'),
    sendSmsHookSecret: known.sendSmsHookSecret ?? `v1,whsec_${randomBytes(32).toString('base64')}`,
    signInSecret: known.signInSecret ?? randomBytes(32).toString('base64url'),
  };
  if (JSON.stringify(keys) !== JSON.stringify(known)) {
    writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  }
  return keys;
}
