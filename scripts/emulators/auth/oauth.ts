// OAuth redirects for Sign in with Apple and Google, as GoTrue runs them (api/external.go ExternalProviderRedirect and
// ExternalProviderCallback, external_oauth.go, identity.go LinkIdentity, provider/apple.go and google.go):
// GET /authorize starts a flow (an auth.flow_state row whose id is the OAuth `state`) and sends the browser to the
// provider's authorization endpoint, named by its discovery document; the provider sends it back to GET|POST /callback
// (Apple posts a form) with a code, traded at the provider's token endpoint; the ID token returned is verified as the
// ID-token grant verifies one, the user signed in, signed up or linked as there (external-accounts.ts), and the browser
// sent to redirect_to with `?code=` (PKCE, for POST /token?grant_type=pkce) or the session in the fragment (implicit).
// GET /user/identities/authorize starts the same flow for a signed-in user (linkIdentity): /callback links to it.
import { type Context, Hono } from 'hono';
import type postgres from 'postgres';
import type { AuthSettings } from './config.ts';
import { AuthError, OAuthError, validation } from './errors.ts';
import { externalAccounts, type ExternalIdentity } from './external-accounts.ts';
import { verifiedIdTokenClaims } from './id-token.ts';
import { APPLE_ISSUERS, GOOGLE_ISSUER, identityFromClaims, idTokenProvider } from './id-token-providers.ts';
import type { IdTokenProviderName } from './identity-settings.ts';
import { oauthProviderProblem } from './identities.ts';
import type { OidcDiscovery } from './oidc-discovery.ts';
import { codeChallengeOf, createFlowState, finishFlowState, type FlowStateRow, isFlowExpired } from './pkce.ts';
import { redirectWith } from './redirect.ts';
import { issueSession, type TokenSettings } from './sessions.ts';
import { findUser, type UserRow } from './users.ts';

export interface OAuthRoutesDeps {
  sql: postgres.Sql;
  settings: AuthSettings;
  tokens: TokenSettings;
  discovery: OidcDiscovery;
  /** The public URL of this Auth server (<API_URL>/auth/v1): the provider sends the browser to its /callback. */
  issuer: string;
  /** The request's redirect_to if GoTrue would follow it, else SITE_URL. */
  redirectTo(c: Context): string;
  client(c: Context): { ip?: string; userAgent?: string };
  /** Mails the sign-up confirmation to an address a provider did not vouch for, inside the transaction. */
  sendConfirmation(tx: postgres.TransactionSql, user: UserRow): Promise<void>;
}

/** The issuer whose discovery document names each provider's endpoints (GoTrue's OIDC provider cache). */
const ISSUER: Record<IdTokenProviderName, string> = { apple: APPLE_ISSUERS[0], google: GOOGLE_ISSUER };

/** Parameters GoTrue never passes on to the provider (custom_oauth_admin.go reservedOAuthParams, nonce aside). */
const RESERVED = [
  'client_id',
  'client_secret',
  'redirect_uri',
  'response_type',
  'state',
  'code_challenge',
  'code_challenge_method',
  'code_verifier',
];

/** GoTrue's oauthErrorMap: the OAuth `error` a status becomes in a redirect. */
const OAUTH_ERRORS: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized_client',
  403: 'access_denied',
  500: 'server_error',
  503: 'temporarily_unavailable',
};
const ACCESS_DENIED_CODES = ['signup_disabled', 'user_banned', 'provider_email_needs_verification'];

/** GoTrue's getErrorQueryString: what an error redirect carries. */
function errorFields(err: unknown): Record<string, string> {
  if (err instanceof OAuthError) return { error: err.error, error_description: err.message };
  if (err instanceof AuthError) {
    const error = ACCESS_DENIED_CODES.includes(err.code) ? 'access_denied' : OAUTH_ERRORS[err.status] ?? 'server_error';
    return { error, error_code: err.code, error_description: err.message };
  }
  console.error('[auth emulator] oauth callback', err);
  return { error: 'server_error', error_description: String((err as Error)?.message ?? err) };
}

/** url.Values.Encode's order (by name), so the fragment reads as GoTrue's. */
const sorted = (fields: Record<string, string>) =>
  Object.fromEntries(Object.entries(fields).sort(([a], [b]) => a.localeCompare(b)));

interface ProviderTokens {
  access_token?: string;
  refresh_token?: string;
  id_token?: string;
}

export function oauthRedirects(deps: OAuthRoutesDeps) {
  const { sql, settings, discovery } = deps;
  const { identities } = settings;
  const accounts = externalAccounts({ settings, sendConfirmation: deps.sendConfirmation });

  /** A provider a redirect can use; else GoTrue's refusal, 400 "Unsupported provider: …". */
  function usableProvider(name: string, code = 'validation_failed'): IdTokenProviderName {
    const problem = oauthProviderProblem(identities, name);
    if (problem) throw new AuthError(400, code, `Unsupported provider: ${problem}`);
    return name.toLowerCase() as IdTokenProviderName;
  }

  const clientOf = (name: IdTokenProviderName) => {
    const p = identities.providers[name];
    return { id: p.clientIds[0], secret: p.secret, redirectUri: p.redirectUri || `${deps.issuer}/callback` };
  };

  /** GoTrue's GetExternalProviderRedirectURL: the flow's row, and the provider's URL with it as the state. */
  async function authorizeUrl(c: Context, linkingTarget?: UserRow): Promise<string> {
    const query = new URL(c.req.url).searchParams;
    const name = usableProvider(query.get('provider') ?? '');
    const referrer = deps.redirectTo(c);
    const challenge = codeChallengeOf({
      code_challenge: query.get('code_challenge') ?? undefined,
      code_challenge_method: query.get('code_challenge_method') ?? undefined,
    });
    let endpoint: string;
    try {
      endpoint = (await discovery.endpointsOf(ISSUER[name])).authorization;
      if (!endpoint) throw new Error('oidc: the discovery document names no authorization_endpoint');
    } catch (err) {
      throw validation(`Unsupported provider: ${(err as Error).message}`);
    }
    const state = await createFlowState(sql, {
      method: 'oauth',
      providerType: name,
      challenge,
      referrer,
      linkingTargetId: linkingTarget?.id,
      emailOptional: identities.providers[name].emailOptional,
    });
    const client = clientOf(name);
    const url = new URL(endpoint);
    const scopes = name === 'apple'
      ? ['email', 'name']
      : ['email', 'profile', ...(query.get('scopes') ? query.get('scopes')!.split(',') : [])];
    const params = url.searchParams;
    params.set('client_id', client.id);
    params.set('redirect_uri', client.redirectUri);
    params.set('response_type', 'code');
    params.set('scope', scopes.join(' '));
    params.set('state', state);
    if (name === 'apple') {
      // Apple posts the code back as a form, and its provider passes on no other parameter.
      params.set('response_mode', 'form_post');
    } else {
      for (const [key, value] of query) {
        if (key !== 'provider' && key !== 'scopes' && !RESERVED.includes(key.toLowerCase())) params.set(key, value);
      }
    }
    return url.toString();
  }

  const badState = (message: string) => new AuthError(400, 'bad_oauth_state', message);

  /** GoTrue's loadExternalState: the flow the callback's state names, if it may still finish. */
  async function loadFlow(state: string | undefined): Promise<FlowStateRow> {
    if (!state) throw new AuthError(400, 'bad_oauth_callback', 'OAuth state parameter missing');
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(state)) {
      throw badState('OAuth state parameter is invalid');
    }
    const [flow] = await sql<FlowStateRow[]>`select * from auth.flow_state where id = ${state}`;
    if (!flow || flow.authentication_method !== 'oauth') throw badState('OAuth state not found or expired');
    if (isFlowExpired(flow)) throw badState('OAuth state has expired');
    if (flow.code_challenge && flow.user_id) {
      throw new AuthError(400, 'flow_state_already_used', 'State has already been used');
    }
    return flow;
  }

  /** The provider's tokens for the code (client_secret_post, as Apple requires and Google accepts). */
  async function exchangeCode(name: IdTokenProviderName, code: string): Promise<ProviderTokens> {
    const client = clientOf(name);
    try {
      const { token } = await discovery.endpointsOf(ISSUER[name]);
      const res = await fetch(token, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: client.redirectUri,
          client_id: client.id,
          client_secret: client.secret,
        }),
        signal: AbortSignal.timeout(10_000),
      });
      if (!res.ok) throw new Error(`oauth2: ${res.status} ${await res.text()}`);
      const tokens = (await res.json()) as ProviderTokens;
      if (!tokens.access_token) throw new Error('oauth2: server response missing access_token');
      return tokens;
    } catch (err) {
      console.error('[auth emulator] oauth code exchange', err);
      throw new AuthError(500, 'unexpected_failure', `Unable to exchange external code: ${code.slice(0, 4)}`);
    }
  }

  /** GoTrue's GetUserData: the identity the returned ID token describes, checked against the client id. */
  async function identityOf(name: IdTokenProviderName, tokens: ProviderTokens): Promise<ExternalIdentity> {
    try {
      if (!tokens.id_token) throw new Error('oidc: the provider returned no id_token');
      const p = idTokenProvider(identities, { provider: name, issuer: '', idToken: tokens.id_token });
      const claims = await verifiedIdTokenClaims(discovery, p, tokens.id_token, {
        accessToken: tokens.access_token,
        audiences: [clientOf(name).id],
      });
      return identityFromClaims(p, claims);
    } catch {
      throw new AuthError(500, 'unexpected_failure', 'Error getting user profile from external provider');
    }
  }

  /** Apple posts the name only at the first sign-in, as the `user` form field (GoTrue's AppleProvider.ParseUser). */
  function withAppleName(identity: ExternalIdentity, user: string | undefined): ExternalIdentity {
    if (!user) return identity;
    const parsed = JSON.parse(user) as { name?: { firstName?: string; lastName?: string } };
    const name = `${parsed.name?.firstName ?? ''} ${parsed.name?.lastName ?? ''}`.trim();
    return name ? { ...identity, data: { ...identity.data, name, full_name: name } } : identity;
  }

  /** The callback once its flow is loaded: where the browser goes next (errors go to redirect_to too). */
  async function finish(c: Context, flow: FlowStateRow, params: URLSearchParams): Promise<string> {
    const providerError = params.get('error');
    if (providerError) throw new OAuthError(providerError, params.get('error_description') ?? '');
    const code = params.get('code');
    if (!code) throw new AuthError(400, 'bad_oauth_callback', 'OAuth callback with missing authorization code missing');
    const name = usableProvider(flow.provider_type, 'oauth_provider_not_supported');
    const tokens = await exchangeCode(name, code);
    let identity = await identityOf(name, tokens);
    if (name === 'apple') identity = withAppleName(identity, params.get('user') ?? undefined);
    if (!identity.email && !flow.email_optional) {
      throw new AuthError(500, 'unexpected_failure', 'Error getting user email from external provider');
    }
    let target: UserRow | undefined;
    if (flow.linking_target_id) {
      target = await findUser(sql, { id: flow.linking_target_id });
      if (!target) throw new AuthError(422, 'user_not_found', 'Linking target user not found');
    }
    const provider = { accessToken: tokens.access_token, refreshToken: tokens.refresh_token };
    const back = flow.referrer || settings.siteUrl;
    return await accounts.signInOrLink(sql, identity, target, async (tx, user) => {
      // Locked: of two callbacks with one state only the first finishes it.
      const [locked] = await tx<FlowStateRow[]>`select * from auth.flow_state where id = ${flow.id} for update`;
      if (!locked) throw badState('OAuth state not found or expired');
      if (flow.code_challenge) {
        if (locked.user_id) throw new AuthError(400, 'flow_state_already_used', 'State has already been used');
        const authCode = await finishFlowState(tx, flow.id, user.id, provider);
        return redirectWith(back, { query: { code: authCode! } });
      }
      const s = await issueSession(tx, deps.tokens, user, 'oauth', deps.client(c));
      await tx`delete from auth.flow_state where id = ${flow.id}`;
      return redirectWith(back, {
        fragment: sorted({
          access_token: s.access_token,
          token_type: 'bearer',
          expires_in: String(s.expires_in),
          expires_at: String(s.expires_at),
          refresh_token: s.refresh_token,
          provider_token: provider.accessToken ?? '',
          ...(provider.refreshToken ? { provider_refresh_token: provider.refreshToken } : {}),
          sb: '',
        }),
      });
    });
  }

  const routes = new Hono();

  routes.get('/authorize', async (c) => c.redirect(await authorizeUrl(c), 302));

  // GET, or POST with Apple's form_post: the form's fields and the query's alike (Go's Request.FormValue).
  routes.on(['GET', 'POST'], '/callback', async (c) => {
    const params = new URL(c.req.url).searchParams;
    if (c.req.method === 'POST') {
      const form = new URLSearchParams(await c.req.text());
      for (const [key, value] of form) params.set(key, value);
    }
    let flow: FlowStateRow;
    try {
      flow = await loadFlow(params.get('state') ?? undefined);
    } catch (err) {
      // No flow to say where the app is: GoTrue sends the browser to SITE_URL with the error in the query.
      return c.redirect(redirectWith(settings.siteUrl, { query: errorFields(err) }), 303);
    }
    try {
      return c.redirect(await finish(c, flow, params), 302);
    } catch (err) {
      const fields = errorFields(err);
      const back = flow.referrer || settings.siteUrl;
      return c.redirect(redirectWith(back, { query: fields, fragment: sorted({ ...fields, sb: '' }) }), 302);
    }
  });

  return { routes, authorizeUrl };
}
