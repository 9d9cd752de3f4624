// A local stand-in for the keys behind Sign in with Apple and Google ID tokens: each issuer's discovery document
// (what GoTrue reads first) and its JWKS, served on 127.0.0.1 with RS256 keys made for this run, and ID tokens signed
// with them in the shapes Apple and Google give apps (claims per Apple's "Authenticating users with Sign in with
// Apple" and Google's "Authenticate with a backend server"). The stack's Auth fetches the documents here
// (AUTH_OIDC_DISCOVERY_URLS); the tests sign with the exported private keys (`idTokenSigner`).
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

export const APPLE_ISSUER = 'https://appleid.apple.com';
export const GOOGLE_ISSUER = 'https://accounts.google.com';
/** The Google client ids the test stack accepts ([auth.external.google] client_id): the Web one and the iOS one. */
export const FAKE_GOOGLE_CLIENT_IDS = [
  '1234-houtaiweb.apps.googleusercontent.com',
  '1234-houtaiios.apps.googleusercontent.com',
];

const ISSUERS = {
  apple: { issuer: APPLE_ISSUER, kid: 'fake-apple-1', jwksPath: '/apple/auth/keys' },
  google: { issuer: GOOGLE_ISSUER, kid: 'fake-google-1', jwksPath: '/google/oauth2/v3/certs' },
} as const;
type IssuerName = keyof typeof ISSUERS;

export interface FakeOidcIssuers {
  url: string;
  /** AUTH_OIDC_DISCOVERY_URLS for the stack: each real issuer → its discovery document here. */
  discoveryUrls: Record<string, string>;
  /** The private keys and the discovery URLs, for another process (vitest) to sign tokens with (`idTokenSigner`). */
  exported: string;
  close(): Promise<void>;
}

export async function startFakeOidcIssuers(): Promise<FakeOidcIssuers> {
  const keys = {} as Record<IssuerName, { private: JWK; public: JWK }>;
  for (const name of Object.keys(ISSUERS) as IssuerName[]) {
    const pair = await generateKeyPair('RS256', { extractable: true });
    const meta = { kid: ISSUERS[name].kid, alg: 'RS256' };
    keys[name] = {
      private: { ...(await exportJWK(pair.privateKey)), ...meta },
      public: { ...(await exportJWK(pair.publicKey)), ...meta, use: 'sig' },
    };
  }
  let url = '';
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    for (const name of Object.keys(ISSUERS) as IssuerName[]) {
      const { issuer, jwksPath } = ISSUERS[name];
      if (path === `/${name}/.well-known/openid-configuration`) {
        return reply(200, {
          issuer,
          authorization_endpoint: `${issuer}/auth/authorize`,
          token_endpoint: `${issuer}/auth/token`,
          jwks_uri: `${url}${jwksPath}`,
          response_types_supported: ['code', 'id_token', 'code id_token'],
          subject_types_supported: name === 'apple' ? ['pairwise'] : ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        });
      }
      if (path === jwksPath) return reply(200, { keys: [keys[name].public] });
    }
    reply(404, { error: 'not_found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const discoveryUrls = {
    [APPLE_ISSUER]: `${url}/apple/.well-known/openid-configuration`,
    // Apple's second issuer serves the same document (naming the first): GoTrue accepts tokens from either.
    'https://account.apple.com': `${url}/apple/.well-known/openid-configuration`,
    [GOOGLE_ISSUER]: `${url}/google/.well-known/openid-configuration`,
  };
  return {
    url,
    discoveryUrls,
    exported: JSON.stringify({ keys: { apple: keys.apple.private, google: keys.google.private }, discoveryUrls }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

type Claims = Record<string, unknown>;

/**
 * Signs ID tokens as Apple and Google do (RS256, their `kid`), from the exported keys. `claims` override or add to the
 * provider's usual ones; a claim set to undefined is left out. `key` signs with another key under the same kid.
 */
export function idTokenSigner(exported: string) {
  const jwks = (JSON.parse(exported) as { keys: Record<IssuerName, JWK> }).keys;
  async function sign(name: IssuerName, claims: Claims, key?: JWK): Promise<string> {
    const jwk = key ?? jwks[name];
    const payload = Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined));
    return await new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', kid: ISSUERS[name].kid })
      .sign(await importJWK(jwk, 'RS256'));
  }
  const now = () => Math.floor(Date.now() / 1000);

  return {
    /**
     * An identity token as Sign in with Apple returns it on iOS: 10 minutes valid, the app's bundle id as audience,
     * the hashed nonce the app passed, email_verified and is_private_email as strings.
     */
    apple(claims: Claims & { aud: string; sub: string }, key?: JWK) {
      const iat = now();
      return sign('apple', {
        iss: APPLE_ISSUER,
        exp: iat + 600,
        iat,
        nonce_supported: true,
        email_verified: 'true',
        is_private_email: 'false',
        auth_time: iat,
        real_user_status: 2,
        c_hash: 'Fz0Jm7l0l3XU4aPfWqGBuQ',
        ...claims,
      }, key);
    },
    /** A Google ID token as Credential Manager or Google Sign-In gives it: an hour valid, email_verified boolean. */
    google(claims: Claims & { aud: string; sub: string }, key?: JWK) {
      const iat = now();
      return sign('google', {
        iss: GOOGLE_ISSUER,
        azp: `${claims.aud}`.replace(/^[^.]+/, 'android'),
        exp: iat + 3600,
        iat,
        email_verified: true,
        ...claims,
      }, key);
    },
  };
}

/** A private key Apple and Google never published, for tokens whose signature must not verify. */
export async function strangerKey(): Promise<JWK> {
  const pair = await generateKeyPair('RS256', { extractable: true });
  return await exportJWK(pair.privateKey);
}
