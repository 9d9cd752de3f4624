// Rate limits as deployed: a stack of its own with small buckets, every request through the gateway to the real
// functions and Auth, so the limiter, the client address the gateway forwards and the 429 envelope are tested
// together. (The shared test stack runs 100000-request buckets so that other tests never meet a limit.)
import { randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import postgres from 'postgres';
import { createClient } from '@supabase/supabase-js';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/stack/ports.ts';
import { LOCAL_DIR } from '../../scripts/stack/project.ts';
import { type Stack, startStack } from '../../scripts/stack/stack.ts';
import { type ApiResponse, call, envelope } from '../helpers/http.ts';
import process from 'node:process';

// Windows of an hour: what refills while a test runs is a small part of one token.
const LIMITS = {
  RATE_LIMIT_READ_USER: '3/3600',
  RATE_LIMIT_READ_IP: '5/3600',
  RATE_LIMIT_WRITE_USER: '2/3600',
  RATE_LIMIT_WRITE_IP: '4/3600',
  RATE_LIMIT_AUTH_IP: '2/3600',
  // Auth calls the send-SMS hook through the gateway from one address of its own, which spends that address's hooks
  // bucket too: 5 leaves room for the 4 codes the SMS test asks for.
  RATE_LIMIT_HOOKS_IP: '5/3600',
  SMS_LIMIT_IP: '2/3600',
};
/** Seconds one token of a bucket takes to refill. */
const perToken = (setting: string) => {
  const [capacity, seconds] = setting.split('/').map(Number);
  return seconds / capacity;
};

let stack: Stack;
let sql: postgres.Sql;
const exported = process.env.RATE_LIMIT_ENABLED;
beforeAll(async () => {
  // As a developer's shell might export it: the throwaway stack must not see it, or nothing here is ever refused.
  process.env.RATE_LIMIT_ENABLED = 'false';
  stack = await startStack({
    dir: join(LOCAL_DIR, `rate-limits-${process.pid}`),
    apiPort: await freePort(),
    dbPort: await freePort(),
    throwaway: true,
    demo: false,
    gatewayOutput: 'file',
    // Clients here stand for apps behind Supabase's edge proxy, as in the shared test stack.
    env: { ...LIMITS, TRUSTED_PROXY_HOPS: '2' },
  });
  sql = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
}, 120_000);
afterAll(async () => {
  if (exported === undefined) delete process.env.RATE_LIMIT_ENABLED;
  else process.env.RATE_LIMIT_ENABLED = exported;
  await sql?.end();
  await stack?.stop();
});

let addresses = 0;
/** An address no other request here has come from (the stack is new, so are its buckets). */
const freshIp = () => `198.51.100.${++addresses}`;

const api = (method: string, path: string, ip: string, opts: { token?: string; json?: unknown } = {}) =>
  call(method, path, { ...opts, base: `${stack.functionsUrl}/api/v1`, headers: { 'x-forwarded-for': ip } });

/** A device sign-in through the gateway from an address of its own: a real account and session. */
async function signedInUser(): Promise<{ id: string; token: string }> {
  const res = await api('POST', '/pickitchen/auth/device', freshIp(), {
    json: { device_id: randomBytes(16).toString('base64url'), platform: 'ios' },
  });
  expect(res.status).toBe(200);
  return { id: res.body.user.id, token: res.body.access_token };
}

/** The refusal every limit answers with: 429, RATE_LIMITED, and Retry-After in the header and the envelope. */
function expectRateLimited(res: ApiResponse, setting: string) {
  expect(res.status).toBe(429);
  const error = envelope(res);
  expect(error.code).toBe('RATE_LIMITED');
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(error.details[0]).toMatchObject({ code: 'rate_limited', retry_after: retryAfter });
  // The time one token takes to refill, less the little that refilled since the bucket emptied.
  expect(retryAfter).toBeLessThanOrEqual(perToken(setting));
  expect(retryAfter).toBeGreaterThan(perToken(setting) - 60);
}

describe('rate limits through the gateway', () => {
  it('allows a user 3 reads, then answers 429 with Retry-After, from whichever address', async () => {
    const user = await signedInUser();
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await api('GET', '/pickitchen/devices', freshIp(), { token: user.token }));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expectRateLimited(answers[3], LIMITS.RATE_LIMIT_READ_USER);
  });

  it('allows an address 5 reads across users, then 429; its writes have buckets of their own', async () => {
    const ip = freshIp();
    const users = await Promise.all(Array.from({ length: 6 }, signedInUser));
    const answers = [];
    for (const user of users) answers.push(await api('GET', '/pickitchen/devices', ip, { token: user.token }));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expectRateLimited(answers[5], LIMITS.RATE_LIMIT_READ_IP);
    const write = await api('POST', '/pickitchen/devices', ip, {
      token: users[0].token,
      json: { installation_id: randomUUID(), platform: 'ios' },
    });
    expect(write.status).toBe(201);
  });

  it('allows a user 2 writes, then 429, and the refused write does nothing', async () => {
    const user = await signedInUser();
    const installations = [randomUUID(), randomUUID(), randomUUID()];
    const answers = [];
    for (const id of installations) {
      answers.push(
        await api('POST', '/pickitchen/devices', freshIp(), {
          token: user.token,
          json: { installation_id: id, platform: 'ios' },
        }),
      );
    }
    expect(answers.map((r) => r.status)).toEqual([201, 201, 429]);
    expectRateLimited(answers[2], LIMITS.RATE_LIMIT_WRITE_USER);
    const stored = await sql`select installation_id from public.devices where user_id = ${user.id} order by created_at`;
    expect(stored.map((r) => r.installation_id).sort()).toEqual(installations.slice(0, 2).sort());
  });

  it('allows an address 4 writes across users, then 429', async () => {
    const ip = freshIp();
    const users = await Promise.all(Array.from({ length: 5 }, signedInUser));
    const answers = [];
    for (const user of users) {
      answers.push(
        await api('POST', '/pickitchen/devices', ip, {
          token: user.token,
          json: { installation_id: randomUUID(), platform: 'ios' },
        }),
      );
    }
    expect(answers.map((r) => r.status)).toEqual([201, 201, 201, 201, 429]);
    expectRateLimited(answers[4], LIMITS.RATE_LIMIT_WRITE_IP);
  });

  it('allows an address 2 device sign-ins, then 429; another address still signs in', async () => {
    const ip = freshIp();
    const answers = [];
    for (let i = 0; i < 3; i++) {
      answers.push(
        await api('POST', '/pickitchen/auth/device', ip, {
          json: { device_id: randomBytes(16).toString('base64url'), platform: 'android' },
        }),
      );
    }
    expect(answers.map((r) => r.status)).toEqual([200, 200, 429]);
    expectRateLimited(answers[2], LIMITS.RATE_LIMIT_AUTH_IP);
    expect((await signedInUser()).id).toBeTruthy();
  });

  it('allows an address 5 requests to the hooks function, then 429', async () => {
    const ip = freshIp();
    const answers = [];
    for (let i = 0; i < 6; i++) {
      answers.push(
        await call('GET', '/health', { base: `${stack.functionsUrl}/hooks`, headers: { 'x-forwarded-for': ip } }),
      );
    }
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expectRateLimited(answers[5], LIMITS.RATE_LIMIT_HOOKS_IP);
  });

  it('sends 2 SMS codes per address through Auth and the hook, then 429; another address still gets one', async () => {
    const client = (ip: string) =>
      createClient(stack.apiUrl, stack.keys.anonKey, {
        auth: { persistSession: false, autoRefreshToken: false },
        realtime: { transport: WebSocket as never },
        global: { headers: { 'x-forwarded-for': ip } },
      });
    const ip = freshIp();
    const prefix = `+8613700${String(addresses).padStart(3, '0')}`;
    const phone = (n: number) => `${prefix}${String(n).padStart(3, '0')}`;
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const { error } = await client(ip).auth.signInWithOtp({ phone: phone(i) });
      statuses.push(error?.status ?? 200);
    }
    expect(statuses).toEqual([200, 200, 429]);
    const [{ sent }] =
      await sql`select count(*)::int as sent from internal.audit_log where action = 'otp_sent' and ip = ${ip}::inet`;
    expect(sent).toBe(2);
    expect((await client(freshIp()).auth.signInWithOtp({ phone: phone(3) })).error).toBeNull();
  });
});
