// MFA as an app runs it through supabase-js: password users, their sessions (a client each, at an address of its own,
// as separate devices), and TOTP enrolment and step-up with the codes an authenticator app would show for the secret.
import { randomUUID } from 'node:crypto';
import type { SupabaseClient } from '@supabase/supabase-js';
import { totpCode } from '../../scripts/emulators/auth/totp.ts';
import { anonClient, serviceClient } from './auth.ts';
import { stackEnv } from './stack.ts';

const PASSWORD = 'mfa test password';

export interface TotpFactor {
  factorId: string;
  secret: string;
}

/** A new session of the user in a client of its own (a device), signed in with the password. */
export async function signIn(email: string): Promise<SupabaseClient> {
  const client = anonClient();
  const { error } = await client.auth.signInWithPassword({ email, password: PASSWORD });
  if (error) throw error;
  return client;
}

/** A confirmed email-and-password user (made with the admin API). */
export async function passwordUser(): Promise<{ id: string; email: string }> {
  const email = `mfa-${randomUUID().slice(0, 8)}@test.local`;
  const { data, error } = await serviceClient().auth.admin.createUser({
    email,
    password: PASSWORD,
    email_confirm: true,
  });
  if (error) throw error;
  return { id: data.user.id, email };
}

export async function enrollTotp(client: SupabaseClient, friendlyName = `app ${randomUUID().slice(0, 8)}`) {
  const { data, error } = await client.auth.mfa.enroll({ factorType: 'totp', friendlyName });
  if (error) throw error;
  return { factorId: data.id, secret: data.totp.secret };
}

/** mfa.challenge + mfa.verify with the current code: the client's session steps up to aal2. */
export async function stepUp(client: SupabaseClient, factor: TotpFactor) {
  const { data, error } = await client.auth.mfa.challengeAndVerify({
    factorId: factor.factorId,
    code: totpCode(factor.secret),
  });
  if (error) throw error;
  return data;
}

/** A user with a verified TOTP factor, and the session (client) that verified it, at aal2. */
export async function enrolledUser() {
  const user = await passwordUser();
  const client = await signIn(user.email);
  const factor = await enrollTotp(client);
  await stepUp(client, factor);
  return { ...user, client, factor };
}

/**
 * POST to Auth with the user's token as supabase-js sends it, answered raw: status and GoTrue's error code. `send` is
 * the stack's fetch, or an in-process emulator's app.request.
 */
export async function rawAuthPost(
  send: (url: string, init: RequestInit) => Response | Promise<Response>,
  url: string,
  accessToken: string,
  body: Record<string, unknown> = {},
) {
  const res = await send(url, {
    method: 'POST',
    headers: {
      apikey: stackEnv().anonKey,
      authorization: `Bearer ${accessToken}`,
      'content-type': 'application/json',
      'x-supabase-api-version': '2024-01-01',
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, code: (await res.json()).code };
}

/** The access token the client holds now. */
export async function accessTokenOf(client: SupabaseClient): Promise<string> {
  const { data } = await client.auth.getSession();
  if (!data.session) throw new Error('the client has no session');
  return data.session.access_token;
}
