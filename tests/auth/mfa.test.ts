// MFA with TOTP factors through supabase-js (supabase.auth.mfa.*), against the stack's Auth: enrolment, challenge,
// verification with codes computed from the factor's secret, aal and amr in the tokens, and GoTrue's refusals.
import { describe, expect, it } from 'vitest';
import { totpCode } from '../../scripts/emulators/auth/totp.ts';
import { anonClient, claimsOf, rawGetUser, serviceClient } from '../helpers/auth.ts';
import { adminSql } from '../helpers/db.ts';
import { stackEnv } from '../helpers/stack.ts';
import { authStatus, expectRateLimit, times } from '../helpers/rate-limit.ts';
import { accessTokenOf, enrolledUser, enrollTotp, passwordUser, rawAuthPost, signIn, stepUp } from '../helpers/mfa.ts';

const methods = (amr: Array<{ method: string }>) => amr.map((entry) => entry.method);

/** POST /auth/v1/factors, answered raw (supabase-js runs flows of its own for some factor types). */
const rawEnroll = (accessToken: string, body: Record<string, unknown>) =>
  rawAuthPost(fetch, `${stackEnv().apiUrl}/auth/v1/factors`, accessToken, body);

describe('enrolment and verification', () => {
  it('enroll, challenge, verify: the same session at aal2, amr [totp, password], a new refresh token', async () => {
    const { email } = await passwordUser();
    const client = await signIn(email);
    const before = (await client.auth.getSession()).data.session!;
    expect((await client.auth.mfa.getAuthenticatorAssuranceLevel()).data).toMatchObject({
      currentLevel: 'aal1',
      nextLevel: 'aal1',
    });

    const enrolled = await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'phone app', issuer: 'Houtai' });
    expect(enrolled.error).toBeNull();
    const { id, type, friendly_name, totp } = enrolled.data!;
    expect({ type, friendly_name }).toEqual({ type: 'totp', friendly_name: 'phone app' });
    expect(totp.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(totp.uri).toBe(
      `otpauth://totp/Houtai:${email}?algorithm=SHA1&digits=6&issuer=Houtai&period=30&secret=${totp.secret}`,
    );
    expect(totp.qr_code).toMatch(/^data:image\/svg\+xml;utf-8,<svg/);

    const challenge = await client.auth.mfa.challenge({ factorId: id });
    expect(challenge.error).toBeNull();
    const [{ created }] = await adminSql()`
      select floor(extract(epoch from created_at))::int as created
        from auth.mfa_challenges where id = ${challenge.data!.id}`;
    expect(challenge.data!.expires_at).toBe(created + 300);
    const verified = await client.auth.mfa.verify({
      factorId: id,
      challengeId: challenge.data!.id,
      code: totpCode(totp.secret),
    });
    expect(verified.error).toBeNull();
    const claims = claimsOf(verified.data!.access_token);
    expect(claims.aal).toBe('aal2');
    expect(methods(claims.amr)).toEqual(['totp', 'password']);
    expect(claims.session_id).toBe(claimsOf(before.access_token).session_id);
    expect(verified.data!.refresh_token).not.toBe(before.refresh_token);

    expect((await client.auth.mfa.getAuthenticatorAssuranceLevel()).data).toMatchObject({
      currentLevel: 'aal2',
      nextLevel: 'aal2',
      currentAuthenticationMethods: claims.amr,
    });
  });

  it('a new sign-in of an enrolled user is aal1, and getAuthenticatorAssuranceLevel says aal2 is next', async () => {
    const { email } = await enrolledUser();
    const client = await signIn(email);
    expect((await client.auth.mfa.getAuthenticatorAssuranceLevel()).data).toMatchObject({
      currentLevel: 'aal1',
      nextLevel: 'aal2',
    });
  });

  it('refresh keeps aal2 and the totp claim', async () => {
    const { client } = await enrolledUser();
    const { data, error } = await client.auth.refreshSession();
    expect(error).toBeNull();
    expect(claimsOf(data.session!.access_token)).toMatchObject({ aal: 'aal2' });
    expect(methods(claimsOf(data.session!.access_token).amr)).toEqual(['totp', 'password']);
  });

  it('listFactors: all factors, only verified ones under totp; GET /user and the admin user carry them', async () => {
    const { id, client, factor } = await enrolledUser();
    const pending = await enrollTotp(client);
    const { data, error } = await client.auth.mfa.listFactors();
    expect(error).toBeNull();
    expect(data!.all.map((f) => [f.id, f.status])).toEqual([[factor.factorId, 'verified'], [
      pending.factorId,
      'unverified',
    ]]);
    expect(data!.totp.map((f) => f.id)).toEqual([factor.factorId]);
    const { data: fromUser } = await anonClient().auth.getUser(await accessTokenOf(client));
    expect(fromUser.user!.factors!.map((f) => f.id)).toEqual([factor.factorId, pending.factorId]);
    const { data: fromAdmin } = await serviceClient().auth.admin.getUserById(id);
    expect(fromAdmin.user!.factors!.map((f) => f.status)).toEqual(['verified', 'unverified']);
  });

  it("verifying ends the user's other aal1 sessions", async () => {
    const { email } = await passwordUser();
    const phone = await signIn(email);
    const laptop = await signIn(email);
    const laptopSession = (await laptop.auth.getSession()).data.session!;
    const factor = await enrollTotp(phone);
    await stepUp(phone, factor);
    expect(await rawGetUser(laptopSession.access_token)).toEqual({ status: 403, code: 'session_not_found' });
    expect((await anonClient().auth.refreshSession({ refresh_token: laptopSession.refresh_token })).error?.code).toBe(
      'refresh_token_not_found',
    );
    expect((await phone.auth.getUser()).error).toBeNull();
  });
});

describe('refusals', () => {
  it('a wrong code is 422 mfa_verification_failed, and the challenge can still be answered', async () => {
    const { email } = await passwordUser();
    const client = await signIn(email);
    const factor = await enrollTotp(client);
    const { data: challenge } = await client.auth.mfa.challenge({ factorId: factor.factorId });
    const wrong = String((Number(totpCode(factor.secret)) + 500_000) % 1_000_000).padStart(6, '0');
    const refused = await client.auth.mfa.verify({
      factorId: factor.factorId,
      challengeId: challenge!.id,
      code: wrong,
    });
    expect(refused.error).toMatchObject({ status: 422, code: 'mfa_verification_failed' });
    const right = await client.auth.mfa.verify({
      factorId: factor.factorId,
      challengeId: challenge!.id,
      code: totpCode(factor.secret),
    });
    expect(right.error).toBeNull();
  });

  it('an expired challenge is 422 mfa_challenge_expired, and is gone', async () => {
    const { email } = await passwordUser();
    const client = await signIn(email);
    const factor = await enrollTotp(client);
    const { data: challenge } = await client.auth.mfa.challenge({ factorId: factor.factorId });
    await adminSql()`
      update auth.mfa_challenges set created_at = now() - interval '301 seconds' where id = ${challenge!.id}`;
    const args = { factorId: factor.factorId, challengeId: challenge!.id, code: totpCode(factor.secret) };
    expect((await client.auth.mfa.verify(args)).error).toMatchObject({ status: 422, code: 'mfa_challenge_expired' });
    expect((await client.auth.mfa.verify(args)).error).toMatchObject({ status: 422, code: 'mfa_factor_not_found' });
  });

  it('a challenge answers once: verifying it again is 422 mfa_ip_address_mismatch', async () => {
    const { email } = await passwordUser();
    const client = await signIn(email);
    const factor = await enrollTotp(client);
    const { data: challenge } = await client.auth.mfa.challenge({ factorId: factor.factorId });
    const args = { factorId: factor.factorId, challengeId: challenge!.id, code: totpCode(factor.secret) };
    expect((await client.auth.mfa.verify(args)).error).toBeNull();
    expect((await client.auth.mfa.verify(args)).error).toMatchObject({ status: 422, code: 'mfa_ip_address_mismatch' });
  });

  it('a challenge answered from another address is 422 mfa_ip_address_mismatch', async () => {
    const { email } = await passwordUser();
    const client = await signIn(email);
    const factor = await enrollTotp(client);
    const { data: challenge } = await client.auth.mfa.challenge({ factorId: factor.factorId });
    const elsewhere = anonClient();
    await elsewhere.auth.setSession((await client.auth.getSession()).data.session!);
    const args = { factorId: factor.factorId, challengeId: challenge!.id, code: totpCode(factor.secret) };
    expect((await elsewhere.auth.mfa.verify(args)).error).toMatchObject({ code: 'mfa_ip_address_mismatch' });
  });

  it('enrolling another factor from aal1 while one is verified is 403 insufficient_aal', async () => {
    const { email } = await enrolledUser();
    const client = await signIn(email);
    const { error } = await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'second' });
    expect(error).toMatchObject({ status: 403, code: 'insufficient_aal' });
  });

  it('unenrolling a verified factor from aal1 is 422 insufficient_aal', async () => {
    const { email, factor } = await enrolledUser();
    const client = await signIn(email);
    const { error } = await client.auth.mfa.unenroll({ factorId: factor.factorId });
    expect(error).toMatchObject({ status: 422, code: 'insufficient_aal' });
  });

  it('a second factor with the same friendly name is 422 mfa_factor_name_conflict', async () => {
    const { email } = await passwordUser();
    const client = await signIn(email);
    await enrollTotp(client, 'phone app');
    const { error } = await client.auth.mfa.enroll({ factorType: 'totp', friendlyName: 'phone app' });
    expect(error).toMatchObject({ status: 422, code: 'mfa_factor_name_conflict' });
  });

  it('phone and WebAuthn factors are refused as turned off; anonymous users may not enrol', async () => {
    const { email } = await passwordUser();
    const token = await accessTokenOf(await signIn(email));
    expect(await rawEnroll(token, { factor_type: 'phone', phone: '+8613900000000' })).toEqual({
      status: 422,
      code: 'mfa_phone_enroll_not_enabled',
    });
    expect(await rawEnroll(token, { factor_type: 'webauthn' })).toEqual({
      status: 422,
      code: 'mfa_webauthn_enroll_not_enabled',
    });

    const anonymous = anonClient();
    expect((await anonymous.auth.signInAnonymously()).error).toBeNull();
    const refused = await anonymous.auth.mfa.enroll({ factorType: 'totp' });
    expect(refused.error).toMatchObject({ status: 403, code: 'no_authorization' });
  });

  it('challenges are limited to 15 a minute per address (429 over_request_rate_limit)', async () => {
    const { email } = await passwordUser();
    const client = await signIn(email);
    const factor = await enrollTotp(client);
    const answers = await expectRateLimit(
      times(15, 200),
      async () => authStatus(await client.auth.mfa.challenge({ factorId: factor.factorId })),
    );
    expect(answers.at(-1)!.error).toMatchObject({ code: 'over_request_rate_limit' });
  });
});

describe('unenrolment', () => {
  it('from aal2: the factor is gone and its sessions are aal1 again from the next refresh', async () => {
    const { client, factor } = await enrolledUser();
    expect((await client.auth.mfa.unenroll({ factorId: factor.factorId })).error).toBeNull();
    const { data } = await client.auth.refreshSession();
    const claims = claimsOf(data.session!.access_token);
    expect(claims.aal).toBe('aal1');
    expect(methods(claims.amr)).toEqual(['password']);
    expect((await client.auth.mfa.listFactors()).data!.all).toEqual([]);
  });

  it('an unverified factor can be removed from aal1', async () => {
    const { email } = await passwordUser();
    const client = await signIn(email);
    const factor = await enrollTotp(client);
    expect((await client.auth.mfa.unenroll({ factorId: factor.factorId })).error).toBeNull();
  });
});

describe('admin (supabase.auth.admin.mfa)', () => {
  it("listFactors and deleteFactor; deleting a verified factor takes the user's sessions back to aal1", async () => {
    const { id, client, factor } = await enrolledUser();
    const admin = serviceClient().auth.admin.mfa;
    const listed = await admin.listFactors({ userId: id });
    expect(listed.error).toBeNull();
    expect(listed.data!.factors.map((f) => [f.id, f.status, f.factor_type])).toEqual([
      [factor.factorId, 'verified', 'totp'],
    ]);
    expect((await admin.deleteFactor({ userId: id, id: factor.factorId })).error).toBeNull();
    expect((await admin.listFactors({ userId: id })).data!.factors).toEqual([]);
    const { data } = await client.auth.refreshSession();
    expect(claimsOf(data.session!.access_token).aal).toBe('aal1');
  });

  it('an unknown user is 404 user_not_found, an unknown factor 404 mfa_factor_not_found', async () => {
    const { id } = await passwordUser();
    const admin = serviceClient().auth.admin.mfa;
    const unknown = crypto.randomUUID();
    expect((await admin.listFactors({ userId: unknown })).error).toMatchObject({ status: 404, code: 'user_not_found' });
    expect((await admin.deleteFactor({ userId: id, id: unknown })).error).toMatchObject({
      status: 404,
      code: 'mfa_factor_not_found',
    });
  });
});
