// Sign in with Apple and Google by OAuth redirect (supabase-js signInWithOAuth and linkIdentity, PKCE and implicit)
// against the test stack, whose Auth finds the providers' endpoints in the fake's discovery documents
// (tests/fakes/oidc-issuers.ts): /authorize → the provider → /callback → the app's redirect → the session.
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { anonClient, claimsOf, pkceClient, rawAuthPost, sessionClient } from '../helpers/auth.ts';
import { APPLE_SERVICES_ID, appleSub, FAKE_GOOGLE_CLIENT_IDS, googleSub } from '../helpers/id-tokens.ts';
import { freshEmail, signUpConfirmed } from '../helpers/mail.ts';
import { fieldsOf, loginAtProvider, openAuthorize, returnToAuth, signInThroughProvider } from '../helpers/oauth.ts';
import { stackEnv } from '../helpers/stack.ts';

const APP_URL = 'http://127.0.0.1:3000/auth/callback';
const SITE_URL = 'http://127.0.0.1:3000';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The URL supabase-js makes for signInWithOAuth, as an app that opens it itself (skipBrowserRedirect). */
async function oauthUrl(
  client: ReturnType<typeof anonClient>,
  provider: 'apple' | 'google',
  options: { redirectTo?: string; scopes?: string; queryParams?: Record<string, string> } = {},
): Promise<string> {
  const { data, error } = await client.auth.signInWithOAuth({
    provider,
    options: { redirectTo: APP_URL, skipBrowserRedirect: true, ...options },
  });
  expect(error).toBeNull();
  return data.url!;
}

/** A full PKCE sign-in: the client, the auth code's redirect, and the session exchangeCodeForSession gave. */
async function pkceSignIn(provider: 'apple' | 'google', login: { sub: string; email?: string; name?: string }) {
  const { client, codeVerifier } = pkceClient();
  const trip = await signInThroughProvider(await oauthUrl(client, provider), login);
  const code = trip.location.searchParams.get('code')!;
  const verifier = codeVerifier();
  const { data, error } = await client.auth.exchangeCodeForSession(code);
  expect(error).toBeNull();
  return { client, trip, code, verifier, session: data.session!, user: data.user! };
}

const identitiesOf = async (userId: string) => [
  ...(await adminSql()<{ provider: string; provider_id: string }[]>`
    select provider, provider_id from auth.identities where user_id = ${userId} order by created_at`),
];

describe('OAuth redirects with PKCE', () => {
  it('signs in with Apple end to end: form_post callback, ?code= for the app, an oauth session', async () => {
    const { client } = pkceClient();
    const providerUrl = await openAuthorize(await oauthUrl(client, 'apple'));
    const fake = JSON.parse(stackEnv().idTokenIssuers).discoveryUrls['https://appleid.apple.com'];
    expect(`${providerUrl.origin}${providerUrl.pathname}`).toBe(`${new URL(fake).origin}/apple/authorize`);
    const params = fieldsOf(providerUrl.search);
    expect(params).toMatchObject({
      client_id: APPLE_SERVICES_ID,
      redirect_uri: `${stackEnv().apiUrl}/auth/v1/callback`,
      response_type: 'code',
      response_mode: 'form_post',
      scope: 'email name',
    });
    expect(params.state).toMatch(UUID);
    const [flow] = await adminSql()`
      select provider_type, authentication_method, code_challenge_method::text as method, referrer, user_id
        from auth.flow_state where id = ${params.state}`;
    expect(flow).toEqual({
      provider_type: 'apple',
      authentication_method: 'oauth',
      method: 's256',
      referrer: APP_URL,
      user_id: null,
    });

    const sub = appleSub();
    const email = freshEmail('oauth-apple');
    const back = await loginAtProvider(providerUrl, { sub, email, name: 'Ada Lovelace' });
    expect(back.form).toMatchObject({ state: params.state });
    const returned = await returnToAuth(back);
    expect(returned.status).toBe(302);
    expect(`${returned.location.origin}${returned.location.pathname}`).toBe(APP_URL);
    expect(returned.location.hash).toBe('');
    const code = returned.location.searchParams.get('code')!;
    expect(code).toMatch(UUID);

    const { data, error } = await client.auth.exchangeCodeForSession(code);
    expect(error).toBeNull();
    expect(claimsOf(data.session!.access_token).amr.map((a) => a.method)).toEqual(['oauth']);
    expect(data.session!.provider_token).toMatch(/^fake-apple-access-/);
    expect(data.user).toMatchObject({ email, app_metadata: { provider: 'apple', providers: ['apple'] } });
    expect(data.user!.email_confirmed_at).toBeTruthy();
    expect(data.user!.identities).toHaveLength(1);
    expect(data.user!.identities![0]).toMatchObject({
      provider: 'apple',
      id: sub,
      identity_data: { sub, email, email_verified: true, name: 'Ada Lovelace', full_name: 'Ada Lovelace' },
    });
    expect(await adminSql()`select 1 from auth.flow_state where id = ${params.state}`).toHaveLength(0);
  });

  it('signs in with Google: scopes and queryParams go to Google, provider tokens come with the session', async () => {
    const { client } = pkceClient();
    const url = await oauthUrl(client, 'google', {
      scopes: 'https://www.googleapis.com/auth/calendar.readonly',
      queryParams: { access_type: 'offline', prompt: 'consent' },
    });
    const providerUrl = await openAuthorize(url);
    expect(fieldsOf(providerUrl.search)).toMatchObject({
      client_id: FAKE_GOOGLE_CLIENT_IDS[0],
      response_type: 'code',
      scope: 'email profile https://www.googleapis.com/auth/calendar.readonly',
      access_type: 'offline',
      prompt: 'consent',
    });
    expect(providerUrl.searchParams.has('code_challenge')).toBe(false);
    const sub = googleSub();
    const email = freshEmail('oauth-google');
    const back = await loginAtProvider(providerUrl, { sub, email });
    expect(back.form).toBeUndefined();
    const returned = await returnToAuth(back);
    const { data, error } = await client.auth.exchangeCodeForSession(returned.location.searchParams.get('code')!);
    expect(error).toBeNull();
    expect(data.session!.provider_token).toMatch(/^fake-google-access-/);
    expect(data.session!.provider_refresh_token).toMatch(/^fake-google-refresh-/);
    expect(data.user).toMatchObject({ email, app_metadata: { provider: 'google' } });
    expect(await identitiesOf(data.user!.id)).toEqual([{ provider: 'google', provider_id: sub }]);
  });

  it('signs the same Apple ID in as the same user the second time, with one identity', async () => {
    const sub = appleSub();
    const email = freshEmail('oauth-again');
    const first = await pkceSignIn('apple', { sub, email });
    const second = await pkceSignIn('apple', { sub, email });
    expect(second.user.id).toBe(first.user.id);
    expect(second.session.access_token).not.toBe(first.session.access_token);
    expect(await identitiesOf(first.user.id)).toEqual([{ provider: 'apple', provider_id: sub }]);
  });

  it('links a Google sign-in with a verified address to the password user who has it', async () => {
    const email = freshEmail('oauth-link');
    const { user } = await signUpConfirmed(email, 'correct horse');
    const sub = googleSub();
    const { user: signedIn } = await pkceSignIn('google', { sub, email });
    expect(signedIn.id).toBe(user.id);
    expect(signedIn.app_metadata.providers).toEqual(['email', 'google']);
    expect((await identitiesOf(user.id)).map((i) => i.provider)).toEqual(['email', 'google']);
  });

  it('refuses a wrong code_verifier with 400 bad_code_verifier, and the right one still signs in', async () => {
    const { client } = pkceClient();
    const trip = await signInThroughProvider(await oauthUrl(client, 'google'), {
      sub: googleSub(),
      email: freshEmail('oauth'),
    });
    const code = trip.location.searchParams.get('code')!;
    const wrong = await rawAuthPost('token?grant_type=pkce', { auth_code: code, code_verifier: 'x'.repeat(43) });
    expect(wrong).toMatchObject({ status: 400, errorCode: 'bad_code_verifier' });
    const { data, error } = await client.auth.exchangeCodeForSession(code);
    expect(error).toBeNull();
    expect(data.session).toBeTruthy();
  });

  it('sends a redirect_to outside the allow list to site_url instead, as GoTrue does', async () => {
    const { client } = pkceClient();
    const url = await oauthUrl(client, 'google', { redirectTo: 'https://evil.example.com/steal' });
    const trip = await signInThroughProvider(url, { sub: googleSub(), email: freshEmail('oauth-evil') });
    expect(trip.status).toBe(302);
    expect(trip.location.origin).toBe(SITE_URL);
    expect(trip.location.searchParams.get('code')).toMatch(UUID);
  });
});

describe('OAuth redirects, implicit flow', () => {
  it('puts the session and the provider tokens in the fragment, as supabase-js reads it', async () => {
    const client = anonClient();
    const url = await oauthUrl(client, 'google');
    expect(new URL(url).searchParams.has('code_challenge')).toBe(false);
    const email = freshEmail('oauth-implicit');
    const trip = await signInThroughProvider(url, { sub: googleSub(), email });
    expect(trip.status).toBe(302);
    expect(`${trip.location.origin}${trip.location.pathname}`).toBe(APP_URL);
    expect(trip.location.search).toBe('');
    const fragment = fieldsOf(trip.location.hash);
    expect(Object.keys(fragment)).toEqual([
      'access_token',
      'expires_at',
      'expires_in',
      'provider_refresh_token',
      'provider_token',
      'refresh_token',
      'sb',
      'token_type',
    ]);
    expect(fragment).toMatchObject({ token_type: 'bearer', expires_in: '3600', sb: '' });
    expect(fragment.provider_token).toMatch(/^fake-google-access-/);
    expect(claimsOf(fragment.access_token).amr.map((a) => a.method)).toEqual(['oauth']);
    const signedIn = await sessionClient(fragment as { access_token: string; refresh_token: string });
    expect((await signedIn.auth.getUser()).data.user?.email).toBe(email);
    const state = trip.providerUrl.searchParams.get('state')!;
    expect(await adminSql()`select 1 from auth.flow_state where id = ${state}`).toHaveLength(0);
  });
});

describe('OAuth redirect failures', () => {
  it("sends the provider's error (the user cancelled) to redirect_to, in the query and the fragment", async () => {
    const { client } = pkceClient();
    const trip = await signInThroughProvider(await oauthUrl(client, 'apple'), {
      sub: appleSub(),
      error: 'access_denied',
    });
    expect(trip.status).toBe(302);
    expect(`${trip.location.origin}${trip.location.pathname}`).toBe(APP_URL);
    const error = { error: 'access_denied', error_description: 'The user denied the request' };
    expect(fieldsOf(trip.location.search)).toEqual(error);
    expect(fieldsOf(trip.location.hash)).toEqual({ ...error, sb: '' });
  });

  it('sends a used or unknown state to site_url (303) with bad_oauth_state or flow_state_already_used', async () => {
    // PKCE: the state is used once the callback gave its code, and gone once the code is exchanged.
    const signedIn = await pkceSignIn('google', { sub: googleSub(), email: freshEmail('oauth') });
    const { client } = pkceClient();
    const url = await oauthUrl(client, 'google');
    const pending = await signInThroughProvider(url, { sub: googleSub(), email: freshEmail('oauth') });
    const used = await returnToAuth(pending.back);
    expect(used.status).toBe(303);
    expect(`${used.location.origin}${used.location.pathname}`).toBe(`${SITE_URL}/`);
    expect(fieldsOf(used.location.search)).toEqual({
      error: 'invalid_request',
      error_code: 'flow_state_already_used',
      error_description: 'State has already been used',
    });
    const gone = await returnToAuth(signedIn.trip.back);
    expect(fieldsOf(gone.location.search)).toMatchObject({
      error_code: 'bad_oauth_state',
      error_description: 'OAuth state not found or expired',
    });
    // The implicit flow's state is gone once it signed in.
    const implicit = await signInThroughProvider(await oauthUrl(anonClient(), 'google'), {
      sub: googleSub(),
      email: freshEmail('oauth'),
    });
    expect(implicit.location.hash).toContain('access_token=');
    const replayed = await returnToAuth(implicit.back);
    expect(replayed.status).toBe(303);
    expect(fieldsOf(replayed.location.search)).toMatchObject({ error_code: 'bad_oauth_state' });

    const callback = `${stackEnv().apiUrl}/auth/v1/callback`;
    const unknown = await returnToAuth({ url: `${callback}?code=abc&state=${crypto.randomUUID()}` });
    expect(fieldsOf(unknown.location.search)).toMatchObject({
      error_code: 'bad_oauth_state',
      error_description: 'OAuth state not found or expired',
    });
    const invalid = await returnToAuth({ url: `${callback}?code=abc&state=not-a-state` });
    expect(fieldsOf(invalid.location.search)).toMatchObject({
      error_code: 'bad_oauth_state',
      error_description: 'OAuth state parameter is invalid',
    });
  });

  it("refuses a provider's code used before: under a new state it ends in server_error at redirect_to", async () => {
    const first = await pkceSignIn('google', { sub: googleSub(), email: freshEmail('oauth') });
    const code = new URL(first.trip.back.url).searchParams.get('code')!;
    const { client } = pkceClient();
    const providerUrl = await openAuthorize(await oauthUrl(client, 'google'));
    const callback = new URL(`${stackEnv().apiUrl}/auth/v1/callback`);
    callback.searchParams.set('code', code);
    callback.searchParams.set('state', providerUrl.searchParams.get('state')!);
    const replayed = await returnToAuth({ url: callback.toString() });
    expect(replayed.status).toBe(302);
    expect(`${replayed.location.origin}${replayed.location.pathname}`).toBe(APP_URL);
    expect(fieldsOf(replayed.location.search)).toEqual({
      error: 'server_error',
      error_code: 'unexpected_failure',
      error_description: `Unable to exchange external code: ${code.slice(0, 4)}`,
    });
  });
});

describe('linkIdentity by redirect', () => {
  it('adds an Apple identity to the signed-in user, and refuses one linked to another user', async () => {
    const email = freshEmail('oauth-linker');
    const { user, session } = await signUpConfirmed(email, 'correct horse');
    const client = await sessionClient(session);
    const { data, error } = await client.auth.linkIdentity({ provider: 'apple', options: { redirectTo: APP_URL } });
    expect(error).toBeNull();
    const providerUrl = new URL(data.url!);
    const [flow] = await adminSql()`
      select linking_target_id from auth.flow_state where id = ${providerUrl.searchParams.get('state')}`;
    expect(flow.linking_target_id).toBe(user.id);

    const sub = appleSub();
    const trip = await signInThroughProvider(data.url!, { sub, email: freshEmail('oauth-relay') });
    expect(trip.status).toBe(302);
    const fragment = fieldsOf(trip.location.hash);
    expect(claimsOf(fragment.access_token).sub).toBe(user.id);
    expect(await identitiesOf(user.id)).toEqual([
      { provider: 'email', provider_id: user.id },
      { provider: 'apple', provider_id: sub },
    ]);

    const other = await signUpConfirmed(freshEmail('oauth-other'), 'correct horse');
    const again = await (await sessionClient(other.session)).auth.linkIdentity({
      provider: 'apple',
      options: { redirectTo: APP_URL },
    });
    const refused = await signInThroughProvider(again.data.url!, { sub, email: freshEmail('oauth-relay') });
    expect(fieldsOf(refused.location.search)).toEqual({
      error: 'server_error',
      error_code: 'identity_already_exists',
      error_description: 'Identity is already linked to another user',
    });
    expect(await identitiesOf(other.user.id)).toEqual([{ provider: 'email', provider_id: other.user.id }]);
  });
});
