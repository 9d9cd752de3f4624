// A local stand-in for Google: the OAuth 2.0 token endpoint (service-account JWT bearer grant, assertion
// checked against the account's public key), the Play Developer API purchase reads and acknowledgements in their
// real JSON, and the OIDC signing keys (JWKS) behind Pub/Sub push tokens. Tests register purchases and mint push
// tokens through /__fake/* control routes.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { exportJWK, exportPKCS8, generateKeyPair, jwtVerify, SignJWT } from 'jose';

export interface FakeGoogle {
  url: string;
  serviceAccountJson: string;
  close(): Promise<void>;
}

/**
 * A Play Developer API purchase path: package, kind, then the v2 token, or the product id and token (v1), and
 * whether it is the acknowledge call.
 */
const PLAY_PURCHASE_PATH = new RegExp(
  '^/androidpublisher/v3/applications/([^/]+)/purchases/(subscriptionsv2|subscriptions|products)/' +
    '(?:tokens/([^/:]+)|([^/]+)/tokens/([^/:]+))(:acknowledge)?$',
);

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (c) => (data += c));
    req.on('end', () => resolve(data));
  });
}

export async function startFakeGoogle(): Promise<FakeGoogle> {
  const sa = await generateKeyPair('RS256', { extractable: true });
  const oidc = await generateKeyPair('RS256', { extractable: true });
  const oidcJwk = { ...(await exportJWK(oidc.publicKey)), kid: 'fake-google-oidc', alg: 'RS256', use: 'sig' };
  const accessTokens = new Set<string>();
  const subscriptions = new Map<string, unknown>();
  const products = new Map<string, unknown>();
  const acks: string[] = [];
  // Test controls: purchase reads held until released (to look at the database meanwhile), acknowledgements refused.
  let holdReads = false;
  const heldReads: Array<() => void> = [];
  let acksToRefuse = 0;
  let url = '';

  const server: Server = createServer(async (req, res) => {
    const u = new URL(req.url ?? '/', 'http://fake');
    const text = await body(req);
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
      res.end(JSON.stringify(payload));
    };
    const apiError = (code: number, status: string, message: string) =>
      reply(code, { error: { code, message, status } });

    // --- control ---
    if (u.pathname === '/__fake/subscriptions') {
      const { token, purchase } = JSON.parse(text);
      subscriptions.set(token, purchase);
      return reply(200, {});
    }
    if (u.pathname === '/__fake/products') {
      const { productId, token, purchase } = JSON.parse(text);
      products.set(`${productId}/${token}`, purchase);
      return reply(200, {});
    }
    if (u.pathname === '/__fake/acks') return reply(200, acks);
    if (u.pathname === '/__fake/hold-reads') {
      holdReads = true;
      return reply(200, {});
    }
    if (u.pathname === '/__fake/release-reads') {
      holdReads = false;
      const released = heldReads.splice(0);
      released.forEach((release) => release());
      return reply(200, { released: released.length });
    }
    if (u.pathname === '/__fake/held-reads') return reply(200, { held: heldReads.length });
    if (u.pathname === '/__fake/refuse-acks') {
      acksToRefuse = JSON.parse(text).count;
      return reply(200, {});
    }
    if (u.pathname === '/__fake/oidc-token') {
      const { audience, email, key } = JSON.parse(text) as { audience: string; email: string; key?: 'wrong' };
      const signingKey: CryptoKey = key === 'wrong' ? (await generateKeyPair('RS256')).privateKey : oidc.privateKey;
      const token = await new SignJWT({ email, email_verified: true, azp: '1234567890' })
        .setProtectedHeader({ alg: 'RS256', kid: 'fake-google-oidc', typ: 'JWT' })
        .setIssuer('https://accounts.google.com').setAudience(audience).setSubject('1234567890').setIssuedAt()
        .setExpirationTime('1h')
        .sign(signingKey);
      return reply(200, { token });
    }

    // --- Google ---
    if (u.pathname === '/oauth2/v3/certs') return reply(200, { keys: [oidcJwk] });
    if (u.pathname === '/token' && req.method === 'POST') {
      const form = new URLSearchParams(text);
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
        return reply(400, { error: 'unsupported_grant_type' });
      }
      try {
        const { payload } = await jwtVerify(form.get('assertion') ?? '', sa.publicKey, {
          issuer: 'play-api@houtai-test.iam.gserviceaccount.com',
          audience: `${url}/token`,
        });
        if (payload.scope !== 'https://www.googleapis.com/auth/androidpublisher') {
          return reply(400, { error: 'invalid_scope' });
        }
      } catch {
        return reply(400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
      }
      const token = `ya29.fake-${crypto.randomUUID()}`;
      accessTokens.add(token);
      return reply(200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
    }
    const m = PLAY_PURCHASE_PATH.exec(u.pathname);
    if (m) {
      const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (!accessTokens.has(bearer)) {
        return apiError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.');
      }
      const [, pkg, kind, v2Token, productId, token, ack] = m;
      if (ack) {
        if (acksToRefuse > 0) {
          acksToRefuse--;
          return apiError(503, 'UNAVAILABLE', 'The service is currently unavailable.');
        }
        acks.push(`${pkg}/${kind}/${productId}/${token}`);
        return reply(200, {});
      }
      if (holdReads) await new Promise<void>((release) => heldReads.push(release));
      const found = kind === 'subscriptionsv2'
        ? subscriptions.get(decodeURIComponent(v2Token))
        : products.get(`${decodeURIComponent(productId)}/${decodeURIComponent(token)}`);
      if (!found) return apiError(404, 'NOT_FOUND', 'The purchase token was not found.');
      return reply(200, found);
    }
    return apiError(404, 'NOT_FOUND', `no such fake route ${u.pathname}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const serviceAccountJson = JSON.stringify({
    type: 'service_account',
    project_id: 'houtai-test',
    client_email: 'play-api@houtai-test.iam.gserviceaccount.com',
    private_key: await exportPKCS8(sa.privateKey),
    token_uri: `${url}/token`,
  });
  return { url, serviceAccountJson, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
