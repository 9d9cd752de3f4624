// The local JWT secret and the anon / service-role API keys: long-lived HS256 JWTs with `role` anon and
// service_role, shaped like the keys `supabase start` prints. Made once per stack directory and kept there.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { SignJWT } from 'jose';

export interface StackKeys {
  jwtSecret: string;
  anonKey: string;
  serviceRoleKey: string;
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

export async function ensureKeys(file: string): Promise<StackKeys> {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as StackKeys;
  const jwtSecret = randomBytes(32).toString('base64url');
  const keys: StackKeys = {
    jwtSecret,
    anonKey: await apiKey('anon', jwtSecret),
    serviceRoleKey: await apiKey('service_role', jwtSecret),
  };
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}
