// A sign-in provider config.toml turns off is refused as GoTrue refuses it. The stack runs with every provider on,
// so this drives an Auth emulator of its own, in-process, with [auth.sms] or [auth.email] enabled = false.
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuthEmulator } from '../../scripts/emulators/auth/app.ts';
import { authSettings } from '../../scripts/emulators/auth/config.ts';
import { readProjectConfig } from '../../scripts/stack/project.ts';
import { stackEnv } from '../helpers/stack.ts';

const sql = postgres(stackEnv().dbUrl, { max: 1, onnotice: () => {} });
afterAll(() => sql.end());

function authWith(section: 'sms' | 'email') {
  const auth = readProjectConfig().auth;
  const settings = authSettings({ ...auth, [section]: { ...auth[section], enabled: false } }, {});
  const app = createAuthEmulator({
    sql,
    settings,
    jwtSecret: stackEnv().jwtSecret,
    signingKey: stackEnv().signingKey,
    issuer: `${stackEnv().apiUrl}/auth/v1`,
  });
  return async (path: string, body: Record<string, unknown>) => {
    const res = await app.request(`/auth/v1${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
}

describe('providers turned off in config.toml', () => {
  it('[auth.sms] enabled = false: phone sign-up, password sign-in and codes are phone_provider_disabled', async () => {
    const auth = authWith('sms');
    const phone = '+8613900000001';
    expect(await auth('/signup', { phone, password: 'long enough pass' })).toMatchObject({
      status: 400,
      body: { error_code: 'phone_provider_disabled' },
    });
    expect(await auth('/token?grant_type=password', { phone, password: 'long enough pass' })).toMatchObject({
      status: 422,
      body: { error_code: 'phone_provider_disabled' },
    });
    expect(await auth('/otp', { phone })).toMatchObject({
      status: 400,
      body: { error_code: 'phone_provider_disabled' },
    });
  });

  it('[auth.email] enabled = false: email sign-up and password sign-in are email_provider_disabled', async () => {
    const auth = authWith('email');
    const email = `off-${crypto.randomUUID().slice(0, 8)}@example.com`;
    expect(await auth('/signup', { email, password: 'long enough pass' })).toMatchObject({
      status: 400,
      body: { error_code: 'email_provider_disabled' },
    });
    expect(await auth('/token?grant_type=password', { email, password: 'long enough pass' })).toMatchObject({
      status: 422,
      body: { error_code: 'email_provider_disabled' },
    });
  });
});
