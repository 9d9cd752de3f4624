// The signing keys of the OpenID providers whose ID tokens Auth accepts, found as GoTrue finds them (go-oidc's
// NewProvider behind GoTrue's OIDCProviderCache): the issuer's discovery document names its jwks_uri and signing
// algorithms, kept for an hour (the last good one is kept when a refresh fails); the key set is fetched when a token
// first needs it and again when a token names a key it does not hold (jose's remote set, as go-oidc's).
import { createRemoteJWKSet, type JWTPayload, jwtVerify, type JWTVerifyGetKey } from 'jose';

const HOUR_MS = 3_600_000;
/** What go-oidc can verify; discovery may narrow it, never widen it. */
const SUPPORTED_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'ES512', 'PS256', 'PS384', 'PS512', 'EdDSA'];

/** Where an OAuth redirect sends the browser, and where the code it brings back is traded (empty when not named). */
export interface OAuthEndpoints {
  authorization: string;
  token: string;
}

interface Provider {
  keys: JWTVerifyGetKey;
  algorithms: string[];
  endpoints: OAuthEndpoints;
  fetchedAt: number;
}

interface DiscoveryDocument {
  issuer?: string;
  jwks_uri?: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  id_token_signing_alg_values_supported?: string[];
}

/** A verified ID token: its claims and the algorithm it was signed with (at_hash depends on it). */
export interface VerifiedIdToken {
  payload: JWTPayload;
  alg: string;
}

/**
 * `discoveryUrls` moves an issuer's discovery document elsewhere (the test stack's fake Apple and Google); the
 * document must still name the real issuer, and tokens must still carry it.
 */
export function oidcDiscovery(discoveryUrls: Record<string, string>) {
  const cache = new Map<string, Provider>();
  const inFlight = new Map<string, Promise<Provider>>();

  async function discover(issuer: string, exactIssuer: boolean): Promise<Provider> {
    const url = discoveryUrls[issuer] ?? `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
    if (!res.ok) throw new Error(`oidc: ${url}: ${res.status} ${await res.text()}`);
    const doc = (await res.json()) as DiscoveryDocument;
    // Apple's second issuer (account.apple.com) serves appleid.apple.com's document: GoTrue lets that one differ.
    if (exactIssuer && doc.issuer !== issuer) {
      throw new Error(`oidc: issuer did not match the one of the provider, expected "${issuer}" got "${doc.issuer}"`);
    }
    if (!doc.jwks_uri) throw new Error(`oidc: ${url} names no jwks_uri`);
    const offered = doc.id_token_signing_alg_values_supported ?? [];
    const algorithms = offered.filter((a) => SUPPORTED_ALGORITHMS.includes(a));
    return {
      keys: createRemoteJWKSet(new URL(doc.jwks_uri)),
      algorithms: algorithms.length > 0 ? algorithms : ['RS256'],
      endpoints: { authorization: doc.authorization_endpoint ?? '', token: doc.token_endpoint ?? '' },
      fetchedAt: Date.now(),
    };
  }

  /** The issuer's keys; a discovery failure with nothing cached throws (GoTrue answers it with a 500). */
  async function provider(issuer: string, exactIssuer: boolean): Promise<Provider> {
    const cached = cache.get(issuer);
    if (cached && Date.now() - cached.fetchedAt < HOUR_MS) return cached;
    let pending = inFlight.get(issuer);
    if (!pending) {
      pending = discover(issuer, exactIssuer).finally(() => inFlight.delete(issuer));
      inFlight.set(issuer, pending);
    }
    try {
      const fresh = await pending;
      cache.set(issuer, fresh);
      return fresh;
    } catch (err) {
      if (cached) return cached;
      throw err;
    }
  }

  /**
   * A verifier for `issuer`'s tokens: signature by one of its keys with one of its algorithms, `exp` present and not
   * past, and (unless `checkIssuer` is false, as for Apple) `iss` equal to the issuer. It throws on any failure.
   */
  async function verifierFor(issuer: string, { checkIssuer }: { checkIssuer: boolean }) {
    const { keys, algorithms } = await provider(issuer, checkIssuer);
    return async (token: string): Promise<VerifiedIdToken> => {
      const { payload, protectedHeader } = await jwtVerify(token, keys, {
        algorithms,
        requiredClaims: ['exp'],
        ...(checkIssuer ? { issuer } : {}),
      });
      return { payload, alg: protectedHeader.alg };
    };
  }

  /** The issuer's OAuth endpoints (go-oidc's Provider.Endpoint), from the same cached document. */
  async function endpointsOf(issuer: string): Promise<OAuthEndpoints> {
    return (await provider(issuer, true)).endpoints;
  }

  return { verifierFor, endpointsOf };
}

export type OidcDiscovery = ReturnType<typeof oidcDiscovery>;
