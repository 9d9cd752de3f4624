// Sensitive operations require aal2 from users who enrolled MFA (docs/auth.md, MFA): through the API (403
// AAL2_REQUIRED, then allowed once the session verified a code), and in the database as PostgREST would run a client's
// own request (the restrictive policy on public.devices, internal.require_aal2 in public.revoke_my_session).
import { describe, expect, it } from 'vitest';
import { asToken, claimsOf } from '../helpers/auth.ts';
import { call, envelope } from '../helpers/http.ts';
import type { SupabaseClient } from '@supabase/supabase-js';
import { accessTokenOf, enrolledUser, passwordUser, signIn, stepUp, type TotpFactor } from '../helpers/mfa.ts';

/** An enrolled user's first session (aal2), and a new sign-in of theirs that has not verified a code yet (aal1). */
async function enrolledWithAal1Session() {
  const user = await enrolledUser();
  const aal1 = await signIn(user.email);
  return { ...user, aal1 };
}

async function registerDevice(token: string, installation: string): Promise<string> {
  const res = await call('POST', '/coach/devices', { token, json: { installation_id: installation, platform: 'ios' } });
  expect(res.status).toBe(201);
  return res.body.id;
}

/** DELETE path: 403 AAL2_REQUIRED for the aal1 session, then 204 once that session verified a code. */
async function expectRefusedUntilStepUp(path: string, session: SupabaseClient, factor: TotpFactor) {
  const refused = await call('DELETE', path, { token: await accessTokenOf(session) });
  expect(refused.status).toBe(403);
  expect(envelope(refused).code).toBe('AAL2_REQUIRED');
  await stepUp(session, factor);
  expect((await call('DELETE', path, { token: await accessTokenOf(session) })).status).toBe(204);
}

describe('the API requires aal2 from enrolled users', () => {
  it('DELETE /account/sessions/{id}: 403 AAL2_REQUIRED from aal1, 204 once the session verified a code', async () => {
    const { client, aal1, factor } = await enrolledWithAal1Session();
    const other = claimsOf(await accessTokenOf(client)).session_id;
    await expectRefusedUntilStepUp(`/account/sessions/${other}`, aal1, factor);
  });

  it('DELETE /{app}/devices/{id}: 403 AAL2_REQUIRED from aal1, 204 once the session verified a code', async () => {
    const { aal1, factor } = await enrolledWithAal1Session();
    const device = await registerDevice(await accessTokenOf(aal1), 'mfa-device');
    await expectRefusedUntilStepUp(`/coach/devices/${device}`, aal1, factor);
  });

  it('a user without factors signs other sessions out and forgets devices at aal1', async () => {
    const { email } = await passwordUser();
    const [first, second] = [await signIn(email), await signIn(email)];
    const token = await accessTokenOf(second);
    const other = claimsOf(await accessTokenOf(first)).session_id;
    expect((await call('DELETE', `/account/sessions/${other}`, { token })).status).toBe(204);
    const device = await registerDevice(token, 'plain-device');
    expect((await call('DELETE', `/coach/devices/${device}`, { token })).status).toBe(204);
  });
});

describe('the database requires it too, for clients that reach it without the API', () => {
  it('deleting a device (RLS): refused at aal1 for an enrolled user, allowed at aal2', async () => {
    const { aal1, factor } = await enrolledWithAal1Session();
    const device = await registerDevice(await accessTokenOf(aal1), 'rls-device');
    const remove = `delete from public.devices where id = '${device}' returning id`;
    expect(await asToken(await accessTokenOf(aal1), remove)).toEqual([]);
    await stepUp(aal1, factor);
    expect(await asToken(await accessTokenOf(aal1), remove)).toEqual([{ id: device }]);
  });

  it('public.revoke_my_session: AAL2_REQUIRED at aal1 for an enrolled user', async () => {
    const { client, aal1 } = await enrolledWithAal1Session();
    const other = claimsOf(await accessTokenOf(client)).session_id;
    await expect(asToken(await accessTokenOf(aal1), `select public.revoke_my_session('${other}')`)).rejects.toThrow(
      'AAL2_REQUIRED',
    );
  });
});
