// POST /token?grant_type=id_token: sign-in with Apple or Google by the ID token the app got from them
// (supabase-js signInWithIdToken), or with `link_identity: true` and the user's access token, linking that identity to
// the signed-in user (linkIdentity). Checked in GoTrue's order (api/token_oidc.go IdTokenGrant): the token, its
// signature and expiry against the issuer's published keys, sub, audience, nonce, at_hash; then the user
// (external-accounts.ts) and a session whose amr is `oauth`.
//
// Like GoTrue, nothing remembers a token once used: the same token with the same nonce signs in again until it
// expires (Apple's last 10 minutes). What stops a stolen token is its audience, its expiry and the nonce.
import type { Context } from 'hono';
import { base64url, type JWTPayload } from 'jose';
import type postgres from 'postgres';
import { sha256Hex } from '../../../functions/_shared/digest.ts';
import type { AuthSettings } from './config.ts';
import { OAuthError } from './errors.ts';
import { externalAccounts } from './external-accounts.ts';
import { identityFromClaims, type IdTokenProvider, idTokenProvider } from './id-token-providers.ts';
import type { OidcDiscovery, VerifiedIdToken } from './oidc-discovery.ts';
import { issueSession, type TokenSettings } from './sessions.ts';
import type { UserRow } from './users.ts';
import { str } from './validate.ts';

export interface IdTokenGrantDeps {
  sql: postgres.Sql;
  /** The providers' discovery documents and keys, shared with the OAuth redirects. */
  discovery: OidcDiscovery;
  settings: AuthSettings;
  tokens: TokenSettings;
  /** Mails the sign-up confirmation to an address a provider did not vouch for, inside the transaction. */
  sendConfirmation(tx: postgres.TransactionSql, user: UserRow): Promise<void>;
  /** The signed-in user behind the request's bearer token, with GoTrue's 401/403 rules. */
  bearerUser(c: Context): Promise<{ user: UserRow }>;
  client(c: Context): { ip?: string; userAgent?: string };
}

const invalidRequest = (description: string) => new OAuthError('invalid request', description);

/** go-oidc's at_hash: the left half of the access token's hash by the signing algorithm's size, base64url. */
async function accessTokenHash(alg: string, accessToken: string): Promise<string> {
  const bits = /384$/.test(alg) ? 384 : /512$/.test(alg) ? 512 : /256$/.test(alg) ? 256 : 0;
  if (!bits) throw new Error(`oidc: unsupported signing algorithm ${alg} for at_hash`);
  const digest = new Uint8Array(await crypto.subtle.digest(`SHA-${bits}`, new TextEncoder().encode(accessToken)));
  return base64url.encode(digest.slice(0, digest.length / 2));
}

/**
 * The nonce rule (unless the provider skips it): a nonce in both the request and the token or in neither, and the
 * token's must be the hex SHA-256 of the request's. The app hands Apple or Google the hash and Auth the raw value.
 */
async function checkNonce(inToken: unknown, sent: string | undefined) {
  const tokenNonce = typeof inToken === 'string' ? inToken : '';
  if (!tokenNonce !== !sent) {
    throw invalidRequest('Passed nonce and nonce in id_token should either both exist or not.');
  }
  if (sent && (await sha256Hex(sent)) !== tokenNonce) throw new OAuthError('invalid nonce', 'Nonces mismatch');
}

/**
 * The claims of `p`'s ID token, checked as GoTrue's ParseIDToken checks them: signature and expiry by the issuer's
 * keys, the issuer (not Apple's, chosen by it), at_hash against `accessToken` when both are there, sub, and an
 * audience among `audiences`. Throws the ID-token grant's 400 "invalid request".
 */
export async function verifiedIdTokenClaims(
  discovery: OidcDiscovery,
  p: IdTokenProvider,
  idToken: string,
  { accessToken, audiences }: { accessToken?: string; audiences: string[] },
): Promise<JWTPayload> {
  // Apple's token may name either of its issuers: GoTrue skips the issuer check for Apple, having chosen by it.
  const verify = await discovery.verifierFor(p.issuer, { checkIssuer: p.name !== 'apple' });
  let token: VerifiedIdToken;
  try {
    token = await verify(idToken);
    const atHash = token.payload.at_hash;
    if (accessToken && typeof atHash === 'string' && (await accessTokenHash(token.alg, accessToken)) !== atHash) {
      throw new Error('oidc: access token hash does not match value in ID token');
    }
  } catch {
    throw invalidRequest('Bad ID token');
  }
  const claims = token.payload;
  if (!claims.sub) throw invalidRequest('Missing sub claim in id_token');
  const audience = typeof claims.aud === 'string' ? [claims.aud] : claims.aud ?? [];
  if (!audiences.some((id) => audience.includes(id))) {
    throw invalidRequest(`Unacceptable audience in id_token: [${audience.join(' ')}]`);
  }
  return claims;
}

export function idTokenGrant(deps: IdTokenGrantDeps) {
  const { sql, settings } = deps;
  const accounts = externalAccounts({ settings, sendConfirmation: deps.sendConfirmation });

  return async (c: Context, b: Record<string, unknown>) => {
    const idToken = str(b.id_token);
    if (!idToken) throw invalidRequest('id_token required');
    const provider = str(b.provider) ?? '';
    const issuer = str(b.issuer) ?? '';
    if (!provider && (!str(b.client_id) || !issuer)) throw invalidRequest('provider or client_id and issuer required');
    let target: UserRow | undefined;
    if (b.link_identity === true) {
      if (!c.req.header('authorization')) {
        throw invalidRequest('Linking requires a valid user access token in Authorization');
      }
      target = (await deps.bearerUser(c)).user;
    }

    const p = idTokenProvider(settings.identities, { provider, issuer, idToken });
    const claims = await verifiedIdTokenClaims(deps.discovery, p, idToken, {
      accessToken: str(b.access_token),
      audiences: p.settings.clientIds,
    });
    if (!p.settings.skipNonceCheck) await checkNonce(claims.nonce, str(b.nonce));

    return await accounts.signInOrLink(
      sql,
      identityFromClaims(p, claims),
      target,
      (tx, user) => issueSession(tx, deps.tokens, user, 'oauth', deps.client(c)),
    );
  };
}
