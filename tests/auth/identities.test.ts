// A user's identities (getUserIdentities, unlinkIdentity, linkIdentity by redirect) with [auth]
// enable_manual_linking on, as config.toml has it; its refusal when off (an Auth emulator of this file's own,
// in-process); and the answers GoTrue gives for providers and grants the project does not use.
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuthEmulator } from '../../scripts/emulators/auth/app.ts';
import { authSettings } from '../../scripts/emulators/auth/config.ts';
import { type AuthToml, readProjectConfig } from '../../scripts/stack/project.ts';
import { anonClient, sessionClient } from '../helpers/auth.ts';
import { APPLE_BUNDLE_ID, appleSub, discoveryEnv, idTokens } from '../helpers/id-tokens.ts';
import { freshEmail, signUpConfirmed } from '../helpers/mail.ts';
import { stackEnv } from '../helpers/stack.ts';

const PASSWORD = 'correct horse';

/** A confirmed email user with Apple linked, signed in. */
async function userWithApple() {
  const { session } = await signUpConfirmed(freshEmail('identities'), PASSWORD);
  const client = await sessionClient(session);
  const token = await idTokens().apple({
    aud: APPLE_BUNDLE_ID,
    sub: appleSub(),
    email: freshEmail('identities-apple'),
  });
  const linked = await client.auth.linkIdentity({ provider: 'apple', token });
  if (linked.error) throw linked.error;
  return client;
}

const sql = postgres(stackEnv().dbUrl, { max: 1, onnotice: () => {} });
afterAll(() => sql.end());

/** An Auth emulator on the stack's database with [auth] overrides, called in-process. */
function authWith(overrides: Partial<AuthToml>) {
  const app = createAuthEmulator({
    sql,
    settings: authSettings({ ...readProjectConfig().auth, ...overrides }, discoveryEnv()),
    jwtSecret: stackEnv().jwtSecret,
    signingKey: stackEnv().signingKey,
    issuer: `${stackEnv().apiUrl}/auth/v1`,
  });
  return async (method: string, path: string, accessToken?: string, body?: unknown) => {
    const res = await app.request(`/auth/v1${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        'x-supabase-api-version': '2024-01-01',
        ...(accessToken ? { authorization: `Bearer ${accessToken}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  };
}

describe('unlinkIdentity (manual linking on)', () => {
  /** A user with an email and an Apple identity unlinks the `provider` one: the user as Auth then has it. */
  async function afterUnlinking(provider: string) {
    const client = await userWithApple();
    const { data } = await client.auth.getUserIdentities();
    const { error } = await client.auth.unlinkIdentity(data!.identities.find((i) => i.provider === provider)!);
    expect(error).toBeNull();
    return (await client.auth.getUser()).data.user!;
  }

  it('removes a linked identity; the user keeps its address and providers are recomputed', async () => {
    const user = await afterUnlinking('apple');
    expect(user.identities!.map((i) => i.provider)).toEqual(['email']);
    expect(user.app_metadata).toMatchObject({ provider: 'email', providers: ['email'] });
  });

  it('takes the address of the identity that remains when the one the user had goes', async () => {
    const user = await afterUnlinking('email');
    expect(user.email).toBe(user.identities![0].identity_data!.email);
    expect(user.app_metadata).toMatchObject({ provider: 'apple', providers: ['apple'] });
  });

  it('refuses the last identity: 422 single_identity_not_deletable', async () => {
    const { session } = await signUpConfirmed(freshEmail('single'), PASSWORD);
    const client = await sessionClient(session);
    const { error } = await client.auth.unlinkIdentity(session.user.identities![0]);
    expect(error).toMatchObject({ status: 422, code: 'single_identity_not_deletable' });
  });

  it("refuses another user's identity (422 identity_not_found) and an id that is not a uuid (404)", async () => {
    const client = await userWithApple();
    const other = await userWithApple();
    const { data } = await other.auth.getUserIdentities();
    const { error } = await client.auth.unlinkIdentity(data!.identities[1]);
    expect(error).toMatchObject({ status: 422, code: 'identity_not_found', message: "Identity doesn't exist" });
    const notUuid = await client.auth.unlinkIdentity({ ...data!.identities[1], identity_id: 'apple' });
    expect(notUuid.error).toMatchObject({ status: 404, code: 'validation_failed' });
  });
});

describe('linkIdentity by redirect', () => {
  it('refuses a provider that is not enabled with 400 "Unsupported provider"', async () => {
    const client = await userWithApple();
    const { error } = await client.auth.linkIdentity({ provider: 'github' });
    expect(error).toMatchObject({
      status: 400,
      code: 'validation_failed',
      message: 'Unsupported provider: provider is not enabled',
    });
    const res = await fetch(`${stackEnv().apiUrl}/auth/v1/authorize?provider=nope`, {
      headers: { apikey: stackEnv().anonKey, 'x-supabase-api-version': '2024-01-01' },
      redirect: 'manual',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({
      code: 'validation_failed',
      message: 'Unsupported provider: Provider nope could not be found',
    });
  });
});

describe('enable_manual_linking = false', () => {
  const auth = authWith({ enable_manual_linking: false });

  it('answers unlinkIdentity and linkIdentity by redirect 404 manual_linking_disabled, after the bearer', async () => {
    const client = await userWithApple();
    const { data } = await client.auth.getSession();
    const token = data.session!.access_token;
    const identity = data.session!.user.identities![1];
    const refusal = { status: 404, body: { code: 'manual_linking_disabled', message: 'Manual linking is disabled' } };
    expect(await auth('DELETE', `/user/identities/${identity.identity_id}`, token)).toEqual(refusal);
    expect(await auth('GET', '/user/identities/authorize?provider=apple&skip_http_redirect=true', token)).toEqual(
      refusal,
    );
    expect(await auth('DELETE', `/user/identities/${identity.identity_id}`)).toMatchObject({
      status: 401,
      body: { code: 'no_authorization' },
    });
  });

  it('still links by ID token, as GoTrue does not check the switch there', async () => {
    const { session } = await signUpConfirmed(freshEmail('no-manual'), PASSWORD);
    const idToken = await idTokens().apple({ aud: APPLE_BUNDLE_ID, sub: appleSub() });
    const linked = await auth('POST', '/token?grant_type=id_token', session.access_token, {
      provider: 'apple',
      id_token: idToken,
      link_identity: true,
    });
    expect(linked.status).toBe(200);
    expect(linked.body.user.identities.map((i: { provider: string }) => i.provider)).toEqual(['email', 'apple']);
  });
});

describe('providers and grants the project has off', () => {
  it('answers [auth.external.apple] enabled = false with 400 provider_disabled', async () => {
    const apple = readProjectConfig().auth.external!.apple;
    const auth = authWith({ external: { ...readProjectConfig().auth.external, apple: { ...apple, enabled: false } } });
    const idToken = await idTokens().apple({ aud: APPLE_BUNDLE_ID, sub: appleSub() });
    expect(await auth('POST', '/token?grant_type=id_token', undefined, { provider: 'apple', id_token: idToken }))
      .toEqual({
        status: 400,
        body: { code: 'provider_disabled', message: 'Provider (issuer "https://appleid.apple.com") is not enabled' },
      });
  });

  it('lists Apple and Google as enabled in /settings', async () => {
    const res = await fetch(`${stackEnv().apiUrl}/auth/v1/settings`, { headers: { apikey: stackEnv().anonKey } });
    expect((await res.json()).external).toMatchObject({ apple: true, google: true, email: true, phone: true });
  });

  it('answers web3 sign-in with 422 web3_provider_disabled and SAML with 404 saml_provider_disabled', async () => {
    const web3 = await anonClient().auth.signInWithWeb3({
      chain: 'ethereum',
      message: 'houtai.test wants you to sign in',
      signature: '0x00',
    });
    expect(web3.error).toMatchObject({
      status: 422,
      code: 'web3_provider_disabled',
      message: 'Web3 provider is disabled',
    });
    const sso = await anonClient().auth.signInWithSSO({ domain: 'houtai.test' });
    expect(sso.error).toMatchObject({ status: 404, code: 'saml_provider_disabled', message: 'SAML 2.0 is disabled' });
  });
});
