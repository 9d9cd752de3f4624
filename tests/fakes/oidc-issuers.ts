// A local stand-in for Sign in with Apple and Google: each issuer's discovery document (what GoTrue reads first), its
// JWKS, served on 127.0.0.1 with RS256 keys made for this run, and ID tokens signed with them in the shapes Apple and
// Google give apps (claims per Apple's "Authenticating users with Sign in with Apple" and Google's "Authenticate with a
// backend server"). The stack's Auth fetches the documents here (AUTH_OIDC_DISCOVERY_URLS); the tests sign with the
// exported private keys (`idTokenSigner`).
//
// For OAuth redirects it also plays the providers' authorization and token endpoints (RFC 6749 §4.1): the authorize
// endpoint "logs in" whoever the request names (`fake_sub`, `fake_email`, `fake_email_verified`, `fake_name`; a
// browser test adds them to the URL Auth sent it to) and sends the browser back to redirect_uri with a code bound to
// that user, the client, the redirect_uri and the nonce — as Apple does with response_mode=form_post, a page whose
// form posts it — or with `error` when asked (`fake_error=access_denied`); the token endpoint trades a code once, for
// the client with its secret (FAKE_OAUTH_SECRETS) and the same redirect_uri, for an ID token, an access and a refresh
// token.
import { Buffer } from 'node:buffer';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
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

/** The client secrets the fake token endpoints accept ([auth.external.<p>] secret in the test stack). */
export const FAKE_OAUTH_SECRETS: Record<IssuerName, string> = {
  // Apple's is a JWT the deployer signs with the Sign in with Apple key; the fake only compares it.
  apple: 'eyJhbGciOiJFUzI1NiIsImtpZCI6IkZBS0VLRVkxMjMifQ.fake-apple-client-secret.sig',
  google: 'GOCSPX-fake-google-web-client-secret',
};

/** A code the authorize endpoint handed out: whom it logs in, for which client, redirect_uri and nonce. */
interface IssuedCode {
  name: IssuerName;
  clientId: string;
  redirectUri: string;
  nonce?: string;
  sub: string;
  email?: string;
  emailVerified: boolean;
  used: boolean;
}

/** OpenID Connect's at_hash for RS256: the left half of the access token's SHA-256, base64url. */
const atHash = (accessToken: string) =>
  createHash('sha256').update(accessToken).digest().subarray(0, 16).toString(
    'base64url',
  );

const escapeHtml = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

async function formOf(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return new URLSearchParams(Buffer.concat(chunks).toString());
}

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
  const codes = new Map<string, IssuedCode>();
  const privateKeys = { apple: keys.apple.private, google: keys.google.private };
  const signer = idTokenSigner(JSON.stringify({ keys: privateKeys }));

  /** The browser's way back to the client: a redirect, or for form_post the page whose form posts the fields. */
  function backToClient(res: ServerResponse, redirectUri: string, fields: Record<string, string>, formPost: boolean) {
    if (formPost) {
      const inputs = Object.entries(fields).map(([k, v]) =>
        `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`
      );
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<html><body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(redirectUri)}">` +
          `${inputs.join('')}</form></body></html>`,
      );
      return;
    }
    const back = new URL(redirectUri);
    for (const [k, v] of Object.entries(fields)) back.searchParams.set(k, v);
    res.writeHead(302, { location: back.toString() });
    res.end();
  }

  function authorize(
    name: IssuerName,
    q: URLSearchParams,
    res: ServerResponse,
    reply: (s: number, b: unknown) => void,
  ) {
    const clientId = q.get('client_id');
    const redirectUri = q.get('redirect_uri');
    if (!clientId || !redirectUri || q.get('response_type') !== 'code') {
      return reply(400, { error: 'invalid_request', error_description: 'client_id, redirect_uri, response_type=code' });
    }
    const state = q.get('state') ?? '';
    const formPost = q.get('response_mode') === 'form_post';
    const error = q.get('fake_error');
    if (error) {
      const fields = {
        error,
        error_description: q.get('fake_error_description') ?? 'The user denied the request',
        state,
      };
      return backToClient(res, redirectUri, fields, formPost);
    }
    const sub = q.get('fake_sub');
    if (!sub) return reply(400, { error: 'invalid_request', error_description: 'the fake needs fake_sub' });
    const code = randomBytes(24).toString('base64url');
    codes.set(code, {
      name,
      clientId,
      redirectUri,
      nonce: q.get('nonce') ?? undefined,
      sub,
      email: q.get('fake_email') ?? undefined,
      emailVerified: q.get('fake_email_verified') !== 'false',
      used: false,
    });
    const fields: Record<string, string> = { code, state };
    const fullName = q.get('fake_name');
    if (name === 'apple' && fullName) {
      // Apple posts the user's name at the first sign-in only, as JSON in the `user` field.
      const [firstName, ...rest] = fullName.split(' ');
      fields.user = JSON.stringify({ name: { firstName, lastName: rest.join(' ') }, email: q.get('fake_email') });
    }
    backToClient(res, redirectUri, fields, formPost);
  }

  async function token(name: IssuerName, req: IncomingMessage, reply: (s: number, b: unknown) => void) {
    const form = await formOf(req);
    const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const [basicId, basicSecret] = basic
      ? Buffer.from(basic, 'base64').toString().split(':').map(decodeURIComponent)
      : [];
    const clientId = form.get('client_id') ?? basicId;
    const secret = form.get('client_secret') ?? basicSecret;
    if (form.get('grant_type') !== 'authorization_code') return reply(400, { error: 'unsupported_grant_type' });
    const issued = codes.get(form.get('code') ?? '');
    if (!issued || issued.name !== name || issued.used) {
      return reply(400, { error: 'invalid_grant', error_description: 'The code has expired or has been used' });
    }
    issued.used = true;
    if (clientId !== issued.clientId || secret !== FAKE_OAUTH_SECRETS[name]) {
      return reply(401, { error: 'invalid_client' });
    }
    if (form.get('redirect_uri') !== issued.redirectUri) return reply(400, { error: 'invalid_grant' });
    const accessToken = `fake-${name}-access-${randomBytes(16).toString('hex')}`;
    const claims = {
      aud: issued.clientId,
      sub: issued.sub,
      email: issued.email,
      nonce: issued.nonce,
      at_hash: atHash(accessToken),
    };
    const idToken = name === 'apple'
      ? await signer.apple({ ...claims, email_verified: String(issued.emailVerified) })
      : await signer.google({ ...claims, email_verified: issued.emailVerified });
    reply(200, {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: 3600,
      refresh_token: `fake-${name}-refresh-${randomBytes(16).toString('hex')}`,
      id_token: idToken,
    });
  }

  const server: Server = createServer(async (req, res) => {
    const full = new URL(req.url ?? '/', 'http://fake');
    const path = full.pathname;
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    for (const name of Object.keys(ISSUERS) as IssuerName[]) {
      const { issuer, jwksPath } = ISSUERS[name];
      if (path === `/${name}/.well-known/openid-configuration`) {
        return reply(200, {
          issuer,
          authorization_endpoint: `${url}/${name}/authorize`,
          token_endpoint: `${url}/${name}/token`,
          jwks_uri: `${url}${jwksPath}`,
          response_types_supported: ['code', 'id_token', 'code id_token'],
          subject_types_supported: name === 'apple' ? ['pairwise'] : ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        });
      }
      if (path === jwksPath) return reply(200, { keys: [keys[name].public] });
      if (path === `/${name}/authorize` && req.method === 'GET') return authorize(name, full.searchParams, res, reply);
      if (path === `/${name}/token` && req.method === 'POST') return await token(name, req, reply);
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
  const exported = JSON.stringify({ keys: privateKeys, discoveryUrls });
  return {
    url,
    discoveryUrls,
    exported,
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
