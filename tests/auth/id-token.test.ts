// Sign in with Apple and Google (supabase.auth.signInWithIdToken, and linkIdentity with a token) against the test
// stack, whose Auth fetches the issuers' keys from a local fake (tests/fakes/oidc-issuers.ts): the checks GoTrue makes
// on the token, which user it signs in, and the session it gives.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { anonClient, claimsOf, sessionClient } from '../helpers/auth.ts';
import {
  APPLE_BUNDLE_ID,
  appleSub,
  FAKE_GOOGLE_CLIENT_IDS,
  googleSub,
  idTokens,
  nonce,
  strangerKey,
} from '../helpers/id-tokens.ts';
import { freshEmail, mailsTo, signUpConfirmed } from '../helpers/mail.ts';
import { stackEnv } from '../helpers/stack.ts';

const PASSWORD = 'correct horse';
const GOOGLE_WEB_CLIENT = FAKE_GOOGLE_CLIENT_IDS[0];

/** Signs in with a fresh Apple token for `sub` (and `email`), as an iOS app does. */
async function signInWithApple(sub: string, email: string, extra: Record<string, unknown> = {}) {
  const n = nonce();
  const token = await idTokens().apple({ aud: APPLE_BUNDLE_ID, sub, email, nonce: n.hashed, ...extra });
  return await anonClient().auth.signInWithIdToken({ provider: 'apple', token, nonce: n.raw });
}

/** A raw POST /auth/v1/token?grant_type=id_token through the gateway, with the headers given and no others. */
async function rawIdTokenGrant(body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await fetch(`${stackEnv().apiUrl}/auth/v1/token?grant_type=id_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-supabase-api-version': '2024-01-01', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, errorCode: res.headers.get('x-sb-error-code'), body: await res.json() };
}

describe('Sign in with Apple', () => {
  it('creates a user with the address Apple vouches for, confirmed, and a session whose amr is oauth', async () => {
    const sub = appleSub();
    const email = freshEmail('apple-new');
    const { data, error } = await signInWithApple(sub, email.toUpperCase());
    expect(error).toBeNull();
    const { session, user } = data;
    expect(claimsOf(session!.access_token).amr.map((a) => a.method)).toEqual(['oauth']);
    expect(user!.email).toBe(email);
    expect(user!.email_confirmed_at).toBeDefined();
    expect(user!.app_metadata).toMatchObject({ provider: 'apple', providers: ['apple'] });
    expect(user!.identities).toHaveLength(1);
    expect(user!.identities![0]).toMatchObject({
      provider: 'apple',
      id: sub,
      identity_data: {
        iss: 'https://appleid.apple.com',
        sub,
        email,
        email_verified: true,
        custom_claims: { is_private_email: false },
      },
    });
  });

  it('signs the same Apple ID in as the same user again, a replay of token and nonce too (as GoTrue)', async () => {
    const sub = appleSub();
    const email = freshEmail('apple-again');
    const n = nonce();
    const token = await idTokens().apple({ aud: APPLE_BUNDLE_ID, sub, email, nonce: n.hashed });
    const first = await anonClient().auth.signInWithIdToken({ provider: 'apple', token, nonce: n.raw });
    expect(first.error).toBeNull();
    const replay = await anonClient().auth.signInWithIdToken({ provider: 'apple', token, nonce: n.raw });
    expect(replay.error).toBeNull();
    const later = await signInWithApple(sub, email);
    expect(later.error).toBeNull();
    expect(replay.data.user!.id).toBe(first.data.user!.id);
    expect(later.data.user!.id).toBe(first.data.user!.id);
    expect(later.data.user!.identities).toHaveLength(1);
    const db = adminSql();
    const [{ sessions }] = await db<{ sessions: number }[]>`
      select count(*)::int as sessions from auth.sessions where user_id = ${first.data.user!.id}`;
    expect(sessions).toBe(3);
  });

  it('links to the confirmed email user whose address Apple vouches for: one user, both identities', async () => {
    const email = freshEmail('apple-link');
    const { user: existing } = await signUpConfirmed(email, PASSWORD);
    const { data, error } = await signInWithApple(appleSub(), email);
    expect(error).toBeNull();
    expect(data.user!.id).toBe(existing.id);
    expect(data.user!.identities!.map((i) => i.provider)).toEqual(['email', 'apple']);
    expect(data.user!.app_metadata.providers).toEqual(['email', 'apple']);
    // The password still signs in: the account was already its owner's.
    const again = await anonClient().auth.signInWithPassword({ email, password: PASSWORD });
    expect(again.error).toBeNull();
  });

  it("gives an unconfirmed sign-up's address to its Apple owner: its password and identities dropped", async () => {
    const email = freshEmail('apple-claim');
    const squatter = await anonClient().auth.signUp({ email, password: PASSWORD });
    expect(squatter.error).toBeNull();
    const { data, error } = await signInWithApple(appleSub(), email);
    expect(error).toBeNull();
    expect(data.user!.id).toBe(squatter.data.user!.id);
    expect(data.user!.identities!.map((i) => i.provider)).toEqual(['apple']);
    const withPassword = await anonClient().auth.signInWithPassword({ email, password: PASSWORD });
    expect(withPassword.error?.code).toBe('invalid_credentials');
  });

  it("accepts tokens from Apple's second issuer, account.apple.com", async () => {
    const { error } = await signInWithApple(appleSub(), freshEmail('apple-account'), {
      iss: 'https://account.apple.com',
    });
    expect(error).toBeNull();
  });

  it('refuses a banned user with 403 user_banned', async () => {
    const sub = appleSub();
    const first = await signInWithApple(sub, freshEmail('apple-banned'));
    await adminSql()`update auth.users set banned_until = now() + interval '1 hour' where id = ${first.data.user!.id}`;
    const { error } = await signInWithApple(sub, first.data.user!.email!);
    expect(error).toMatchObject({ status: 403, code: 'user_banned' });
  });
});

describe('Sign in with Google', () => {
  it('signs in with a verified Google address, the profile kept as identity data', async () => {
    const sub = googleSub();
    const email = freshEmail('google-new');
    const n = nonce();
    const token = await idTokens().google({
      aud: GOOGLE_WEB_CLIENT,
      sub,
      email,
      nonce: n.hashed,
      name: 'Li Lei',
      picture: 'https://lh3.googleusercontent.com/a/li-lei',
    });
    const { data, error } = await anonClient().auth.signInWithIdToken({ provider: 'google', token, nonce: n.raw });
    expect(error).toBeNull();
    expect(claimsOf(data.session!.access_token).amr[0].method).toBe('oauth');
    expect(data.user!.identities![0]).toMatchObject({
      provider: 'google',
      id: sub,
      identity_data: { email, email_verified: true, name: 'Li Lei', full_name: 'Li Lei' },
    });
    expect(data.user!.user_metadata).toMatchObject({ avatar_url: 'https://lh3.googleusercontent.com/a/li-lei' });
  });

  it('does not link by an address Google has not verified: a new user who must confirm it', async () => {
    const taken = freshEmail('google-taken');
    const { user: owner } = await signUpConfirmed(taken, PASSWORD);
    const token = await idTokens().google({
      aud: GOOGLE_WEB_CLIENT,
      sub: googleSub(),
      email: taken,
      email_verified: false,
    });
    const onTaken = await anonClient().auth.signInWithIdToken({ provider: 'google', token });
    expect(onTaken.error).toMatchObject({ status: 422, code: 'provider_email_needs_verification' });
    const db = adminSql();
    const [{ providers }] = await db<{ providers: string[] }[]>`
      select array_agg(provider::text) as providers from auth.identities where user_id = ${owner.id}`;
    expect(providers).toEqual(['email']);

    // An unverified address nobody has: the user is kept and mailed a confirmation, the sign-in still refused.
    const fresh = freshEmail('google-unverified');
    const token2 = await idTokens().google({
      aud: GOOGLE_WEB_CLIENT,
      sub: googleSub(),
      email: fresh,
      email_verified: false,
    });
    const onFresh = await anonClient().auth.signInWithIdToken({ provider: 'google', token: token2 });
    expect(onFresh.error).toMatchObject({
      status: 422,
      code: 'provider_email_needs_verification',
      message: 'Unverified email with google. A confirmation email has been sent to your google email',
    });
    expect(await mailsTo(fresh)).toHaveLength(1);
  });
});

describe('the ID token is checked as GoTrue checks it', () => {
  const apple = async (claims: Record<string, unknown>, sent: { nonce?: string } = {}) => {
    const token = await idTokens().apple({
      aud: APPLE_BUNDLE_ID,
      sub: appleSub(),
      email: freshEmail('check'),
      ...claims,
    });
    return (await anonClient().auth.signInWithIdToken({ provider: 'apple', token, ...sent })).error;
  };

  it('refuses a nonce the token was not made for (a replay with another nonce): 400 Nonces mismatch', async () => {
    const n = nonce();
    expect(await apple({ nonce: n.hashed }, { nonce: nonce().raw })).toMatchObject({
      status: 400,
      message: 'Nonces mismatch',
    });
    // The hash itself is not the nonce: an app must send Auth the raw value.
    expect(await apple({ nonce: n.hashed }, { nonce: n.hashed })).toMatchObject({ message: 'Nonces mismatch' });
  });

  it('refuses a nonce in only one of token and request', async () => {
    const message = 'Passed nonce and nonce in id_token should either both exist or not.';
    expect(await apple({ nonce: nonce().hashed })).toMatchObject({ status: 400, message });
    expect(await apple({}, { nonce: nonce().raw })).toMatchObject({ status: 400, message });
  });

  it('refuses a token for another audience', async () => {
    expect(await apple({ aud: 'com.someone.else' })).toMatchObject({
      status: 400,
      message: 'Unacceptable audience in id_token: [com.someone.else]',
    });
  });

  it('refuses an expired token', async () => {
    const past = Math.floor(Date.now() / 1000) - 700;
    expect(await apple({ iat: past, exp: past + 600 })).toMatchObject({ status: 400, message: 'Bad ID token' });
  });

  it('refuses a token Apple did not sign', async () => {
    const token = await idTokens().apple({ aud: APPLE_BUNDLE_ID, sub: appleSub() }, await strangerKey());
    const { error } = await anonClient().auth.signInWithIdToken({ provider: 'apple', token });
    expect(error).toMatchObject({ status: 400, message: 'Bad ID token' });
  });

  it('refuses an issuer that is not the provider: Apple by the claim, Google by the signature check', async () => {
    expect(await apple({ iss: 'https://appleid.apple.com.evil.example' })).toMatchObject({
      status: 400,
      code: 'validation_failed',
      message: 'Detected ID token issuer is not an Apple ID token issuer',
    });
    const token = await idTokens().google({
      aud: GOOGLE_WEB_CLIENT,
      sub: googleSub(),
      iss: 'https://accounts.evil.example',
    });
    const { error } = await anonClient().auth.signInWithIdToken({ provider: 'google', token });
    expect(error).toMatchObject({ status: 400, message: 'Bad ID token' });
  });

  it("checks at_hash against the access_token the app sends with Google's ID token", async () => {
    const accessToken = 'ya29.a0AfH6SM-houtai-test';
    const atHash = createHash('sha256').update(accessToken).digest().subarray(0, 16).toString('base64url');
    const email = freshEmail('at-hash');
    const token = await idTokens().google({ aud: GOOGLE_WEB_CLIENT, sub: googleSub(), email, at_hash: atHash });
    const wrong = await anonClient().auth.signInWithIdToken({ provider: 'google', token, access_token: 'ya29.other' });
    expect(wrong.error).toMatchObject({ status: 400, message: 'Bad ID token' });
    const right = await anonClient().auth.signInWithIdToken({ provider: 'google', token, access_token: accessToken });
    expect(right.error).toBeNull();
  });

  it('answers OAuth-style errors as GoTrue does: 400 {error, error_description}, no error code', async () => {
    const token = await idTokens().apple({ aud: 'com.someone.else', sub: appleSub() });
    const res = await rawIdTokenGrant({ provider: 'apple', id_token: token }, { apikey: stackEnv().anonKey });
    expect(res).toEqual({
      status: 400,
      errorCode: null,
      body: { error: 'invalid request', error_description: 'Unacceptable audience in id_token: [com.someone.else]' },
    });
  });

  it('refuses a provider the project has off with 400 provider_disabled', async () => {
    const { error } = await anonClient().auth.signInWithIdToken({ provider: 'facebook', token: 'a.b.c' });
    expect(error).toMatchObject({
      status: 400,
      code: 'provider_disabled',
      message: 'Provider (issuer "https://www.facebook.com") is not enabled',
    });
  });
});

describe('linkIdentity with an ID token', () => {
  it('links Apple to the signed-in user and answers a new session of that user', async () => {
    const email = freshEmail('link-owner');
    const { session } = await signUpConfirmed(email, PASSWORD);
    const client = await sessionClient(session);
    const n = nonce();
    const token = await idTokens().apple({
      aud: APPLE_BUNDLE_ID,
      sub: appleSub(),
      email: freshEmail('link-apple'),
      nonce: n.hashed,
    });
    const { data, error } = await client.auth.linkIdentity({ provider: 'apple', token, nonce: n.raw });
    expect(error).toBeNull();
    expect(data.user!.id).toBe(session.user.id);
    expect(data.session!.access_token).not.toBe(session.access_token);
    expect(claimsOf(data.session!.access_token).amr[0].method).toBe('oauth');
    expect(data.user!.identities!.map((i) => i.provider)).toEqual(['email', 'apple']);
    // The user keeps its own address.
    expect(data.user!.email).toBe(email);

    const again = await client.auth.linkIdentity({ provider: 'apple', token, nonce: n.raw });
    expect(again.error).toMatchObject({
      status: 422,
      code: 'identity_already_exists',
      message: 'Identity is already linked',
    });
  });

  it('gives an anonymous user the Apple address, confirmed, and makes it a permanent user', async () => {
    const anon = anonClient();
    const signedIn = await anon.auth.signInAnonymously();
    expect(signedIn.error).toBeNull();
    const email = freshEmail('anon-apple');
    const token = await idTokens().apple({ aud: APPLE_BUNDLE_ID, sub: appleSub(), email });
    const { data, error } = await anon.auth.linkIdentity({ provider: 'apple', token });
    expect(error).toBeNull();
    expect(data.user).toMatchObject({ id: signedIn.data.user!.id, email, is_anonymous: false });
    expect(data.user!.email_confirmed_at).toBeDefined();
  });

  it('refuses an identity that signs in another user: 422 identity_already_exists', async () => {
    const sub = appleSub();
    expect((await signInWithApple(sub, freshEmail('apple-other'))).error).toBeNull();
    const { session } = await signUpConfirmed(freshEmail('link-thief'), PASSWORD);
    const token = await idTokens().apple({ aud: APPLE_BUNDLE_ID, sub });
    const { error } = await (await sessionClient(session)).auth.linkIdentity({ provider: 'apple', token });
    expect(error).toMatchObject({
      code: 'identity_already_exists',
      message: 'Identity is already linked to another user',
    });
  });

  it('needs a user: the API key alone is refused 403, no Authorization at all 400', async () => {
    const token = await idTokens().apple({ aud: APPLE_BUNDLE_ID, sub: appleSub() });
    // supabase-js without a session sends the API key as the bearer: a token with no user in it.
    const { error } = await anonClient().auth.linkIdentity({ provider: 'apple', token });
    expect(error).toMatchObject({ status: 403, code: 'bad_jwt' });
    const res = await rawIdTokenGrant({ provider: 'apple', id_token: token, link_identity: true });
    expect(res).toMatchObject({
      status: 400,
      body: {
        error: 'invalid request',
        error_description: 'Linking requires a valid user access token in Authorization',
      },
    });
  });
});
