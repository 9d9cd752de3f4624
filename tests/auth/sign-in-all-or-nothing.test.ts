// The device and WeChat sign-ins complete or leave nothing behind: whichever step fails after Auth has created the
// account or started the session, the account (new) or the session (existing account) is gone again, and no identity
// maps to a half-made account. Each failure is made deterministic by a trigger that fires only for this test's marker.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SupabaseClient } from '@supabase/supabase-js';
import { adminSql } from '../helpers/db.ts';
import { newDeviceId, registerWechatCode } from '../helpers/auth.ts';
import { signInApi, type SignInResponse } from '../helpers/sign-in.ts';
import { functionKeysEnv, stackEnv } from '../helpers/stack.ts';
import { createDb } from '../../functions/_shared/db.ts';
import { loadConfig } from '../../functions/_shared/env.ts';
import { createGoTrue, type GoTrue } from '../../functions/_accounts/gotrue.ts';
import { type SignInContext, signInExternal } from '../../functions/_accounts/external-sign-in.ts';

const FAIL_AUDIT = 'fail-audit/';
const FAIL_INSTALLATION = 'fail-installation-';

beforeAll(async () => {
  await adminSql().unsafe(`
    create or replace function public.test_fail_sign_in() returns trigger language plpgsql as $f$
    begin
      raise exception 'simulated failure of a sign-in step' using errcode = 'XX000';
    end $f$;
    create trigger test_fail_sign_in_audit before insert on internal.audit_log for each row
      when (new.action in ('device_login', 'wechat_login') and starts_with(new.user_agent, '${FAIL_AUDIT}'))
      execute function public.test_fail_sign_in();
    create trigger test_fail_sign_in_installation before insert on public.devices for each row
      when (starts_with(new.installation_id, '${FAIL_INSTALLATION}'))
      execute function public.test_fail_sign_in();`);
});
afterAll(async () => {
  await adminSql().unsafe(`
    drop trigger test_fail_sign_in_audit on internal.audit_log;
    drop trigger test_fail_sign_in_installation on public.devices;
    drop function public.test_fail_sign_in();`);
});

/**
 * What a sign-in sent with this user agent left: the accounts Auth started a session for that still exist,
 * and sessions.
 */
async function leftBehind(userAgent: string) {
  const sql = adminSql();
  const started = await sql<
    { actor_id: string }[]
  >`select actor_id from internal.audit_log where action = 'sign_in' and user_agent = ${userAgent}`;
  expect(started.length, 'Auth started a session before the failure').toBeGreaterThan(0);
  const ids = started.map((r) => r.actor_id);
  const [{ users, sessions, identities }] = await sql`
    select (select count(*)::int from auth.users where id = any(${ids}::uuid[])) as users,
           (select count(*)::int from auth.sessions where user_agent = ${userAgent}) as sessions,
           (select count(*)::int from internal.external_accounts where user_id = any(${ids}::uuid[])) as identities`;
  return { users, sessions, identities };
}

const api = signInApi();

const expectFailed = (res: SignInResponse) => {
  expect(res.status).toBe(500);
  expect(res.body.error.code).toBe('INTERNAL_ERROR');
};

describe('device sign-in, all or nothing', () => {
  it('a first sign-in whose audit line fails leaves no account, session, identity; the id signs in anew', async () => {
    const id = newDeviceId();
    const ua = `${FAIL_AUDIT}${randomUUID()}`;
    expectFailed(await api.device({ device_id: id }, { 'user-agent': ua }));
    expect(await leftBehind(ua)).toEqual({ users: 0, sessions: 0, identities: 0 });
    const next = await api.device({ device_id: id });
    expect(next.status).toBe(200);
    expect(next.body.user.is_new_user).toBe(true);
  });

  it('a first sign-in whose installation cannot be registered leaves no account, session or identity', async () => {
    const id = newDeviceId();
    const ua = `installation-test/${randomUUID()}`;
    expectFailed(
      await api.device({ device_id: id, installation_id: `${FAIL_INSTALLATION}${randomUUID()}` }, { 'user-agent': ua }),
    );
    expect(await leftBehind(ua)).toEqual({ users: 0, sessions: 0, identities: 0 });
    expect((await api.device({ device_id: id })).body.user.is_new_user).toBe(true);
  });

  it('a failed sign-in to an existing account leaves the account as it was and no new session', async () => {
    const id = newDeviceId();
    const first = await api.device({ device_id: id });
    const ua = `${FAIL_AUDIT}${randomUUID()}`;
    expectFailed(await api.device({ device_id: id }, { 'user-agent': ua }));
    expect(await leftBehind(ua)).toEqual({ users: 1, sessions: 0, identities: 1 });
    expect((await api.device({ device_id: id })).body.user).toMatchObject({
      id: first.body.user.id,
      is_new_user: false,
    });
  });
});

describe('device sign-in logs', () => {
  const logging = signInApi(undefined, { LOG_REQUESTS: 'true' });

  it('carry no device id, whether the sign-in succeeds, is refused or fails', async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
    const spies = (['log', 'info', 'warn', 'error'] as const).map((level) =>
      vi.spyOn(console, level).mockImplementation(capture)
    );
    const ids = {
      signedIn: newDeviceId(),
      refused: newDeviceId().slice(0, 16),
      auditFails: newDeviceId(),
      installationFails: newDeviceId(),
    };
    try {
      expect((await logging.device({ device_id: ids.signedIn, installation_id: randomUUID() })).status).toBe(200);
      expect((await logging.device({ device_id: ids.refused })).status).toBe(400);
      expectFailed(
        await logging.device({ device_id: ids.auditFails }, { 'user-agent': `${FAIL_AUDIT}${randomUUID()}` }),
      );
      expectFailed(
        await logging.device({
          device_id: ids.installationFails,
          installation_id: `${FAIL_INSTALLATION}${randomUUID()}`,
        }),
      );
      expect(lines.filter((l) => l.includes('"level":"error"')).length, 'the failures were logged')
        .toBeGreaterThanOrEqual(2);
      for (const id of Object.values(ids)) expect(lines.filter((l) => l.includes(id))).toEqual([]);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

describe('WeChat sign-in, all or nothing', () => {
  const wechat = async (openid: string, userAgent?: string) => {
    const code = `aon-${randomUUID().slice(0, 12)}`;
    await registerWechatCode('diary', { code, openid, unionid: `u-${openid}` });
    return api.wechat('diary', code, userAgent ? { 'user-agent': userAgent } : {});
  };

  it('a first sign-in whose audit line fails leaves no account, session or identity', async () => {
    const openid = `o-${randomUUID().slice(0, 12)}`;
    const ua = `${FAIL_AUDIT}${randomUUID()}`;
    expectFailed(await wechat(openid, ua));
    expect(await leftBehind(ua)).toEqual({ users: 0, sessions: 0, identities: 0 });
    expect((await wechat(openid)).body.user.is_new_user).toBe(true);
  });

  it('a failed sign-in to an existing account leaves no new session', async () => {
    const openid = `o-${randomUUID().slice(0, 12)}`;
    const first = await wechat(openid);
    const ua = `${FAIL_AUDIT}${randomUUID()}`;
    expectFailed(await wechat(openid, ua));
    expect(await leftBehind(ua)).toEqual({ users: 1, sessions: 0, identities: 1 });
    expect((await wechat(openid)).body.user).toMatchObject({ id: first.body.user.id, is_new_user: false });
  });
});

describe('a session Auth refuses', () => {
  const { apiUrl, dbUrl } = stackEnv();
  const config = loadConfig({ SUPABASE_URL: apiUrl, SUPABASE_DB_URL: dbUrl, ...functionKeysEnv() });
  const db = createDb(config);
  afterAll(() => db.end());

  it('removes the account the sign-in had just created', async () => {
    const real = createGoTrue(config);
    const created: string[] = [];
    const admin = real.admin.auth.admin;
    const createUser = admin.createUser.bind(admin);
    admin.createUser = async (attributes) => {
      const result = await createUser(attributes);
      if (result.data.user) created.push(result.data.user.id);
      return result;
    };
    const refusing = {
      auth: {
        signInWithPassword: () =>
          Promise.resolve({
            data: { user: null, session: null },
            error: Object.assign(new Error('simulated'), { status: 500, code: 'unexpected_failure' }),
          }),
      },
    };
    const gotrue: GoTrue = { admin: real.admin, public: () => refusing as unknown as SupabaseClient };
    const ctx: SignInContext = { db, gotrue, secret: 'a-test-secret-of-at-least-32-characters', client: {} };

    const identity = {
      provider: 'device' as const,
      appId: 'pickitchen' as const,
      externalId: newDeviceId('hex') + newDeviceId('hex'),
    };
    await expect(signInExternal(ctx, identity)).rejects.toMatchObject({ code: 'UPSTREAM_ERROR' });
    expect(created).toHaveLength(1);
    const [{ users, identities }] = await adminSql()`
      select (select count(*)::int from auth.users where id = ${created[0]}) as users,
             (select count(*)::int from internal.external_accounts
               where external_id = ${identity.externalId}) as identities`;
    expect({ users, identities }).toEqual({ users: 0, identities: 0 });
  });
});
