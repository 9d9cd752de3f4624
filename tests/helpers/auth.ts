// supabase-js clients as the apps use them, and what tests need around sign-in: a fresh client address per
// client (Auth limits per address), the SMS codes the fake Aliyun received, fresh phone numbers.
import { randomBytes } from 'node:crypto';
import { createClient, type SupabaseClient, type SupabaseClientOptions } from '@supabase/supabase-js';
import { decodeJwt } from 'jose';
import WebSocket from 'ws';
import { adminSql } from './db.ts';
import { stackEnv } from './stack.ts';

import { freshIp } from './addresses.ts';
import process from 'node:process';

export { freshIp };

let counter = 0;

/** A device sign-in id as an app must make one: 16 bytes from a secure random generator. */
export const newDeviceId = (encoding: 'hex' | 'base64url' = 'base64url') => randomBytes(16).toString(encoding);

/** `auth` overrides the client's auth options (a test's own flowType or storage). */
export function anonClient(opts: { ip?: string; auth?: SupabaseClientOptions<'public'>['auth'] } = {}): SupabaseClient {
  const { apiUrl, anonKey } = stackEnv();
  return createClient(apiUrl, anonKey, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false, ...opts.auth },
    realtime: { transport: WebSocket as never },
    global: { headers: { 'x-forwarded-for': opts.ip ?? freshIp() } },
  });
}

/**
 * A client in the PKCE flow as a mobile app sets one up (`flowType: 'pkce'`, a storage of its own): supabase-js keeps
 * the code verifier there between the request that mails a link and exchangeCodeForSession. `codeVerifier()` is the
 * verifier of the flow the client started last, even once supabase-js has dropped it (it does when it saves a session).
 */
export function pkceClient(opts: { ip?: string } = {}) {
  const storage = new Map<string, string>();
  const verifiers: string[] = [];
  const client = anonClient({
    ip: opts.ip,
    auth: {
      flowType: 'pkce',
      persistSession: true,
      storage: {
        getItem: (key) => storage.get(key) ?? null,
        setItem: (key, value) => {
          storage.set(key, value);
          // Kept as JSON, with "/recovery" after a password reset's verifier.
          if (key.endsWith('-code-verifier')) verifiers.push(String(JSON.parse(value)).split('/')[0]);
        },
        removeItem: (key) => void storage.delete(key),
      },
    },
  });
  return { client, codeVerifier: () => verifiers.at(-1) ?? '' };
}

/** A client signed in with the session, as an app holds it after sign-in (updateUser, signOut use it). */
export async function sessionClient(
  session: { access_token: string; refresh_token: string },
  ip?: string,
): Promise<SupabaseClient> {
  const client = anonClient({ ip });
  const { error } = await client.auth.setSession(session);
  if (error) throw error;
  return client;
}

/** POST /auth/v1/<path> as supabase-js sends it, from an address of its own, answered raw. */
export async function rawAuthPost(path: string, body: Record<string, unknown>) {
  const { apiUrl, anonKey } = stackEnv();
  const res = await fetch(`${apiUrl}/auth/v1/${path}`, {
    method: 'POST',
    headers: {
      apikey: anonKey,
      'content-type': 'application/json',
      'x-supabase-api-version': '2024-01-01',
      'x-forwarded-for': freshIp(),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, errorCode: res.headers.get('x-sb-error-code'), body: await res.json() };
}

/** GET /auth/v1/user with a bearer token, raw: status and GoTrue's error code. */
export async function rawGetUser(accessToken: string): Promise<{ status: number; code?: string }> {
  const { apiUrl, anonKey } = stackEnv();
  const res = await fetch(`${apiUrl}/auth/v1/user`, {
    headers: { apikey: anonKey, authorization: `Bearer ${accessToken}`, 'x-supabase-api-version': '2024-01-01' },
  });
  const body = await res.json();
  return { status: res.status, code: body.code };
}

export function serviceClient(): SupabaseClient {
  const { apiUrl, serviceRoleKey } = stackEnv();
  return createClient(apiUrl, serviceRoleKey, {
    auth: { persistSession: false, autoRefreshToken: false },
    realtime: { transport: WebSocket as never },
    global: { headers: { 'x-forwarded-for': freshIp() } },
  });
}

/** A mainland mobile number nobody else in this run uses, as E.164. */
export function freshPhone(): string {
  counter++;
  const n = (Date.now() * 1000 + process.pid * 7 + counter) % 100_000_000;
  return `+86139${String(n).padStart(8, '0')}`;
}

export interface FakeSms {
  phoneNumbers: string;
  templateParam: { code: string };
  signName: string;
  templateCode: string;
}

export async function sentSms(phoneE164: string): Promise<FakeSms[]> {
  const aliyunNumber = phoneE164.replace(/^\+86/, '');
  const res = await fetch(`${stackEnv().fakeAliyunUrl}/__fake/messages?phone=${aliyunNumber}`);
  return (await res.json()) as FakeSms[];
}

/** The latest code Aliyun was asked to deliver to the phone. */
export async function lastSmsCode(phoneE164: string): Promise<string> {
  const messages = await sentSms(phoneE164);
  if (messages.length === 0) throw new Error(`no SMS was sent to ${phoneE164}`);
  return messages.at(-1)!.templateParam.code;
}

export async function failNextSms(phoneE164: string, aliyunCode: string) {
  await fetch(`${stackEnv().fakeAliyunUrl}/__fake/fail-next`, {
    method: 'POST',
    body: JSON.stringify({ phone: phoneE164.replace(/^\+86/, ''), code: aliyunCode }),
  });
}

/** An Auth access token's claims, as GoTrue writes them. */
export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  email: string;
  phone: string;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  role: string;
  aal: string;
  amr: Array<{ method: string; timestamp: number }>;
  session_id: string;
  is_anonymous: boolean;
}

/** The claims of an access token, decoded, not verified. */
export function claimsOf(accessToken: string): AccessTokenClaims {
  return decodeJwt<AccessTokenClaims>(accessToken);
}

/** Runs a query the way PostgREST would for this access token: its role and claims, RLS in force. */
export async function asToken<T>(accessToken: string, query: string): Promise<T[]> {
  const claims = claimsOf(accessToken);
  const sql = adminSql();
  return (await sql.begin(async (tx) => {
    await tx`select set_config('role', ${claims.role}, true), set_config('request.jwt.claims', ${
      JSON.stringify(claims)
    }, true)`;
    return tx.unsafe(query);
  })) as unknown as T[];
}

export async function registerWechatCode(
  app: string,
  entry: { code: string; openid: string; unionid?: string; errcode?: number },
) {
  const appid = stackEnv().wechatPrograms[app].app_id;
  await fetch(`${stackEnv().fakeWechatUrl}/__fake/codes`, {
    method: 'POST',
    body: JSON.stringify({ ...entry, appid }),
  });
}
