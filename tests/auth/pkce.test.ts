// PKCE for the email flows (`flowType: 'pkce'`, what a mobile app uses): the mailed link sends the browser back with
// `?code=`, and exchangeCodeForSession trades it with the verifier supabase-js kept for a session; plus GoTrue's
// refusals of POST /token?grant_type=pkce (wrong verifier, expired flow, reused code) and its plain and s256 methods.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { anonClient, claimsOf, pkceClient, rawAuthPost } from '../helpers/auth.ts';
import { codeIn, freshEmail, lastMailTo, linkIn, openLink, signUpConfirmed } from '../helpers/mail.ts';

const PASSWORD = 'correct horse';
const NEW_PASSWORD = 'battery staple';
const APP_URL = 'http://127.0.0.1:3000/auth/callback';

const exchange = (authCode: string, codeVerifier: string) =>
  rawAuthPost('token?grant_type=pkce', { auth_code: authCode, code_verifier: codeVerifier });

/** Opens the newest mail's link as the browser would: the auth code it hands back in the query. */
async function codeFromMail(email: string): Promise<string> {
  const opened = await openLink(linkIn(await lastMailTo(email)));
  expect(opened.status).toBe(303);
  return opened.location.searchParams.get('code') ?? '';
}

/** The user's flow states, as plain rows. */
const flowsOf = async (userId: string) => [
  ...(await adminSql()`select authentication_method, code_challenge_method::text as method
                         from auth.flow_state where user_id = ${userId}`),
];

describe('PKCE email flows through supabase-js', () => {
  it('confirms a sign-up by the link: ?code= for the app, exchangeCodeForSession signs in once', async () => {
    const email = freshEmail('pkce');
    const { client, codeVerifier } = pkceClient();
    const signUp = await client.auth.signUp({
      email,
      password: PASSWORD,
      options: { emailRedirectTo: APP_URL, data: { app_id: 'quit' } },
    });
    expect(signUp.error).toBeNull();
    expect(await flowsOf(signUp.data.user!.id)).toEqual([{ authentication_method: 'email/signup', method: 's256' }]);
    const link = linkIn(await lastMailTo(email));
    expect(link.searchParams.get('token')).toMatch(/^pkce_[0-9a-f]{56}$/);

    const opened = await openLink(link);
    expect(`${opened.location.origin}${opened.location.pathname}`).toBe(APP_URL);
    expect(opened.location.hash).toBe('');
    const code = opened.location.searchParams.get('code')!;
    const verifier = codeVerifier();
    const { data, error } = await client.auth.exchangeCodeForSession(code);
    expect(error).toBeNull();
    expect(data.user).toMatchObject({ email, user_metadata: { app_id: 'quit', email_verified: true } });
    expect(data.user?.email_confirmed_at).toBeTruthy();
    expect(claimsOf(data.session!.access_token).amr[0].method).toBe('email/signup');
    expect((await client.auth.getUser()).data.user?.id).toBe(data.user!.id);

    expect(await flowsOf(data.user!.id)).toEqual([]);
    expect(await exchange(code, verifier)).toMatchObject({ status: 404, errorCode: 'flow_state_not_found' });
  });

  it('signs in by a magic link: the code comes back once the link is opened, amr magiclink', async () => {
    const email = freshEmail('pkce');
    const { user } = await signUpConfirmed(email, PASSWORD);
    const { client } = pkceClient();
    expect((await client.auth.signInWithOtp({ email, options: { emailRedirectTo: APP_URL } })).error).toBeNull();
    expect(await flowsOf(user.id)).toEqual([{ authentication_method: 'magiclink', method: 's256' }]);
    const { data, error } = await client.auth.exchangeCodeForSession(await codeFromMail(email));
    expect(error).toBeNull();
    expect(data.user?.id).toBe(user.id);
    expect(claimsOf(data.session!.access_token).amr[0].method).toBe('magiclink');
  });

  it('resets a password: the recovery link, exchangeCodeForSession says PASSWORD_RECOVERY, updateUser', async () => {
    const email = freshEmail('pkce');
    await signUpConfirmed(email, PASSWORD);
    const { client } = pkceClient();
    expect((await client.auth.resetPasswordForEmail(email, { redirectTo: APP_URL })).error).toBeNull();
    const events: string[] = [];
    client.auth.onAuthStateChange((event) => void events.push(event));
    const { data, error } = await client.auth.exchangeCodeForSession(await codeFromMail(email));
    expect(error).toBeNull();
    expect(events).toContain('PASSWORD_RECOVERY');
    expect(claimsOf(data.session!.access_token).amr[0].method).toBe('recovery');
    expect((await client.auth.updateUser({ password: NEW_PASSWORD })).error).toBeNull();
    expect((await anonClient().auth.signInWithPassword({ email, password: NEW_PASSWORD })).error).toBeNull();
  });

  it('changes the email: the old address answers with a message, the new one with the code', async () => {
    const oldEmail = freshEmail('old');
    const newEmail = freshEmail('new');
    const { session, user } = await signUpConfirmed(oldEmail, PASSWORD);
    const { client, codeVerifier } = pkceClient();
    expect((await client.auth.setSession(session)).error).toBeNull();
    const pending = await client.auth.updateUser({ email: newEmail }, { emailRedirectTo: APP_URL });
    expect(pending.error).toBeNull();
    expect(await flowsOf(user.id)).toEqual([{ authentication_method: 'email_change', method: 's256' }]);
    const verifier = codeVerifier();

    const first = await openLink(linkIn(await lastMailTo(oldEmail)));
    expect(first.location.searchParams.get('code')).toBeNull();
    expect(first.location.searchParams.get('message')).toMatch(/^Confirmation link accepted/);
    expect(first.fragment.get('message')).toMatch(/^Confirmation link accepted/);

    const code = await codeFromMail(newEmail);
    expect((await client.auth.getUser()).data.user).toMatchObject({ id: user.id, email: newEmail });
    // supabase-js drops its verifier when updateUser saves the session (with hosted Auth too), so its
    // exchangeCodeForSession cannot take this code; the app keeps its session. The code itself is good.
    const exchanged = await exchange(code, verifier);
    expect(exchanged).toMatchObject({ status: 200, body: { user: { email: newEmail } } });
    expect(claimsOf(exchanged.body.access_token).amr[0].method).toBe('email_change');
  });

  it("takes a PKCE mail's code, and its token hash, in verifyOtp as the implicit flow's", async () => {
    const byCode = freshEmail('pkce');
    const { client } = pkceClient();
    await client.auth.signUp({ email: byCode, password: PASSWORD });
    const code = codeIn(await lastMailTo(byCode));
    const verified = await client.auth.verifyOtp({ email: byCode, token: code, type: 'signup' });
    expect(verified.error).toBeNull();
    expect(verified.data.user?.email_confirmed_at).toBeTruthy();

    const byHash = freshEmail('pkce');
    const { user } = await signUpConfirmed(byHash, PASSWORD);
    await pkceClient().client.auth.signInWithOtp({ email: byHash });
    const tokenHash = linkIn(await lastMailTo(byHash)).searchParams.get('token')!;
    expect(tokenHash.startsWith('pkce_')).toBe(true);
    const signedIn = await anonClient().auth.verifyOtp({ token_hash: tokenHash, type: 'magiclink' });
    expect(signedIn.error).toBeNull();
    expect(signedIn.data.session?.user.id).toBe(user.id);
  });
});

describe('POST /token?grant_type=pkce', () => {
  async function pendingSignUp() {
    const email = freshEmail('pkce');
    const { client, codeVerifier } = pkceClient();
    const { data } = await client.auth.signUp({ email, password: PASSWORD });
    return { email, userId: data.user!.id, verifier: codeVerifier(), code: await codeFromMail(email) };
  }

  it('refuses a wrong code verifier with bad_code_verifier and keeps the flow for the right one', async () => {
    const { code, verifier } = await pendingSignUp();
    expect(await exchange(code, `${verifier}x`)).toMatchObject({ status: 400, errorCode: 'bad_code_verifier' });
    expect(await exchange(code, verifier)).toMatchObject({ status: 200, errorCode: null });
  });

  it('refuses a flow older than 300 s with flow_state_expired', async () => {
    const { code, verifier, userId } = await pendingSignUp();
    await adminSql()`update auth.flow_state set created_at = now() - interval '301 seconds' where user_id = ${userId}`;
    expect(await exchange(code, verifier)).toMatchObject({ status: 422, errorCode: 'flow_state_expired' });
  });

  it("times a magic link's flow from the opening of its link, not from the request", async () => {
    const email = freshEmail('pkce');
    const { user } = await signUpConfirmed(email, PASSWORD);
    const { client, codeVerifier } = pkceClient();
    await client.auth.signInWithOtp({ email });
    await adminSql()`update auth.flow_state set created_at = now() - interval '301 seconds' where user_id = ${user.id}`;
    expect(await exchange(await codeFromMail(email), codeVerifier())).toMatchObject({ status: 200 });
  });

  it('refuses a code used once already, and an unknown one, with flow_state_not_found', async () => {
    const { code, verifier } = await pendingSignUp();
    expect(await exchange(code, verifier)).toMatchObject({ status: 200 });
    expect(await exchange(code, verifier)).toMatchObject({ status: 404, errorCode: 'flow_state_not_found' });
    expect(await exchange(crypto.randomUUID(), verifier)).toMatchObject({
      status: 404,
      errorCode: 'flow_state_not_found',
    });
  });

  it('refuses an empty code or verifier with validation_failed', async () => {
    expect(await exchange('', 'v'.repeat(43))).toMatchObject({ status: 400, errorCode: 'validation_failed' });
    expect(await exchange(crypto.randomUUID(), '')).toMatchObject({ status: 400, errorCode: 'validation_failed' });
  });

  it('checks plain against the verifier itself and s256 against base64url(SHA-256(verifier))', async () => {
    // A plain challenge, as a client without WebCrypto sends it.
    const email = freshEmail('plain');
    const verifier = crypto.randomUUID() + crypto.randomUUID();
    const plain = { code_challenge: verifier, code_challenge_method: 'plain' };
    expect(await rawAuthPost('signup', { email, password: PASSWORD, ...plain })).toMatchObject({ status: 200 });
    const plainCode = await codeFromMail(email);
    const s256 = createHash('sha256').update(verifier).digest('base64url');
    expect(await exchange(plainCode, s256)).toMatchObject({ status: 400, errorCode: 'bad_code_verifier' });
    expect(await exchange(plainCode, verifier)).toMatchObject({ status: 200 });

    // supabase-js sends s256: the challenge itself is not the verifier.
    const signUp = await pendingSignUp();
    const challenge = createHash('sha256').update(signUp.verifier).digest('base64url');
    expect(await exchange(signUp.code, challenge)).toMatchObject({ status: 400, errorCode: 'bad_code_verifier' });
    expect(await exchange(signUp.code, signUp.verifier)).toMatchObject({ status: 200 });
  });
});

describe('PKCE refusals', () => {
  it('refuses a challenge without its method, a short one and an unknown method with validation_failed', async () => {
    const recover = (pkce: Record<string, string>) => rawAuthPost('recover', { email: freshEmail(), ...pkce });
    const challenge = 'c'.repeat(43);
    const refused = { status: 400, errorCode: 'validation_failed' };
    expect(await recover({ code_challenge: challenge })).toMatchObject(refused);
    expect(await recover({ code_challenge: 'c'.repeat(42), code_challenge_method: 's256' })).toMatchObject(refused);
    expect(await recover({ code_challenge: challenge, code_challenge_method: 'md5' })).toMatchObject(refused);
    expect(await recover({ code_challenge: challenge, code_challenge_method: 'S256' })).toMatchObject({ status: 200 });
  });

  it('answers a PKCE link whose flow is gone with flow_state_not_found, and confirms nothing', async () => {
    const email = freshEmail('pkce');
    const { data } = await pkceClient().client.auth.signUp({ email, password: PASSWORD });
    const userId = data.user!.id;
    await adminSql()`delete from auth.flow_state where user_id = ${userId}`;
    const opened = await openLink(linkIn(await lastMailTo(email)));
    expect(opened.location.searchParams.get('error_code')).toBe('flow_state_not_found');
    expect(opened.fragment.get('error_code')).toBe('flow_state_not_found');
    const [row] = await adminSql()`select email_confirmed_at from auth.users where id = ${userId}`;
    expect(row.email_confirmed_at).toBeNull();
  });
});
