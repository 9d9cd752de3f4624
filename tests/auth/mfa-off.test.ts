// TOTP switched off in config.toml ([auth.mfa.totp], the CLI's default): enrolment and verification are refused as
// GoTrue refuses them. The stack runs with TOTP on, so this drives an Auth emulator of its own, in-process, on the
// stack's database and signing key (the stack's sessions are valid there).
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuthEmulator } from '../../scripts/emulators/auth/app.ts';
import { authSettings } from '../../scripts/emulators/auth/config.ts';
import { readProjectConfig } from '../../scripts/stack/project.ts';
import { accessTokenOf, enrollTotp, passwordUser, rawAuthPost, signIn } from '../helpers/mfa.ts';
import { stackEnv } from '../helpers/stack.ts';

const sql = postgres(stackEnv().dbUrl, { max: 1, onnotice: () => {} });
afterAll(() => sql.end());

function authWithTotp(totp: { enroll_enabled: boolean; verify_enabled: boolean }) {
  const auth = readProjectConfig().auth;
  const app = createAuthEmulator({
    sql,
    settings: authSettings({ ...auth, mfa: { ...auth.mfa, totp } }, {}),
    jwtSecret: stackEnv().jwtSecret,
    signingKey: stackEnv().signingKey,
    issuer: `${stackEnv().apiUrl}/auth/v1`,
  });
  return (path: string, accessToken: string, body: Record<string, unknown> = {}) =>
    rawAuthPost((url, init) => app.request(url, init), `/auth/v1${path}`, accessToken, body);
}

describe('[auth.mfa.totp] turned off', () => {
  it('enroll_enabled = false: enrolling a TOTP factor is 422 mfa_totp_enroll_not_enabled', async () => {
    const token = await accessTokenOf(await signIn((await passwordUser()).email));
    const post = authWithTotp({ enroll_enabled: false, verify_enabled: true });
    expect(await post('/factors', token, { factor_type: 'totp' })).toEqual({
      status: 422,
      code: 'mfa_totp_enroll_not_enabled',
    });
  });

  it('verify_enabled = false: challenging a TOTP factor is 422 mfa_totp_verify_not_enabled', async () => {
    const client = await signIn((await passwordUser()).email);
    const factor = await enrollTotp(client);
    const post = authWithTotp({ enroll_enabled: true, verify_enabled: false });
    expect(await post(`/factors/${factor.factorId}/challenge`, await accessTokenOf(client))).toEqual({
      status: 422,
      code: 'mfa_totp_verify_not_enabled',
    });
  });
});
