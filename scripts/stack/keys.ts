// The local JWT secret and the anon / service-role API keys: long-lived HS256 JWTs with `role` anon and
// service_role, shaped like the keys `supabase start` prints. Made once per stack directory and kept there.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { SignJWT } from 'jose';

export interface StackKeys {
  jwtSecret: string;
  anonKey: string;
  serviceRoleKey: string;
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

/** Reads the stack's keys, making any that are missing (a new stack, or one made before a key existed). */
export async function ensureKeys(file: string): Promise<StackKeys> {
  const known: Partial<StackKeys> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const jwtSecret = known.jwtSecret ?? randomBytes(32).toString('base64url');
  const keys: StackKeys = {
    jwtSecret,
    anonKey: known.anonKey ?? (await apiKey('anon', jwtSecret)),
    serviceRoleKey: known.serviceRoleKey ?? (await apiKey('service_role', jwtSecret)),
    sendSmsHookSecret: known.sendSmsHookSecret ?? `v1,whsec_${randomBytes(32).toString('base64')}`,
    signInSecret: known.signInSecret ?? randomBytes(32).toString('base64url'),
  };
  if (JSON.stringify(keys) !== JSON.stringify(known)) writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}
