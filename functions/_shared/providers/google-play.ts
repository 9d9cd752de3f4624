// Google Play: the Developer API (purchases.subscriptionsv2.get, purchases.products.get and acknowledge),
// authorised with a service account (OAuth 2.0 JWT bearer grant, as Google's client libraries do), and the
// OIDC check of Pub/Sub push deliveries. Real JSON in and out; tests point both at a local fake.
import { createRemoteJWKSet, importPKCS8, jwtVerify, SignJWT } from 'jose';
import { bearerOf } from '../bearer.ts';
import type { Config } from '../env.ts';

const SCOPE = 'https://www.googleapis.com/auth/androidpublisher';

export interface SubscriptionPurchaseV2 {
  subscriptionState?: string;
  startTime?: string;
  latestOrderId?: string;
  linkedPurchaseToken?: string;
  acknowledgementState?: string;
  externalAccountIdentifiers?: { obfuscatedExternalAccountId?: string; obfuscatedExternalProfileId?: string };
  lineItems?: Array<
    {
      productId?: string;
      expiryTime?: string;
      autoRenewingPlan?: { autoRenewEnabled?: boolean };
      offerDetails?: { basePlanId?: string };
    }
  >;
}

export interface ProductPurchase {
  purchaseTimeMillis?: string;
  purchaseState?: number;
  consumptionState?: number;
  orderId?: string;
  acknowledgementState?: number;
  obfuscatedExternalAccountId?: string;
  obfuscatedExternalProfileId?: string;
  quantity?: number;
  regionCode?: string;
}

export class GooglePlayError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'GooglePlayError';
  }
}

export interface GooglePlay {
  getSubscription(packageName: string, token: string): Promise<SubscriptionPurchaseV2>;
  getProduct(packageName: string, productId: string, token: string): Promise<ProductPurchase>;
  acknowledgeSubscription(packageName: string, subscriptionId: string, token: string): Promise<void>;
  acknowledgeProduct(packageName: string, productId: string, token: string): Promise<void>;
}

export function createGooglePlay(config: Config['google']): GooglePlay | undefined {
  const sa = config.serviceAccount;
  if (!sa) return undefined;
  let cached: { token: string; expiresAt: number } | undefined;

  async function accessToken(): Promise<string> {
    if (cached && cached.expiresAt > Date.now() + 60_000) return cached.token;
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ scope: SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(sa!.client_email)
      .setAudience(sa!.token_uri)
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .sign(await importPKCS8(sa!.private_key, 'RS256'));
    const res = await fetch(sa!.token_uri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }),
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new GooglePlayError(res.status, `token endpoint refused the service account (${res.status})`);
    const body = (await res.json()) as { access_token: string; expires_in: number };
    cached = { token: body.access_token, expiresAt: Date.now() + body.expires_in * 1000 };
    return cached.token;
  }

  async function request<T>(method: 'GET' | 'POST', path: string): Promise<T> {
    const res = await fetch(`${config.apiBase}/androidpublisher/v3/applications/${path}`, {
      method,
      headers: {
        authorization: `Bearer ${await accessToken()}`,
        ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
      },
      body: method === 'POST' ? '{}' : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) {
      const message = (() => {
        try {
          return JSON.parse(text).error?.message;
        } catch {
          return undefined;
        }
      })();
      throw new GooglePlayError(res.status, message ?? `Play Developer API answered ${res.status}`);
    }
    return (text ? JSON.parse(text) : {}) as T;
  }

  const e = encodeURIComponent;
  return {
    getSubscription: (pkg, token) => request('GET', `${e(pkg)}/purchases/subscriptionsv2/tokens/${e(token)}`),
    getProduct: (pkg, productId, token) =>
      request('GET', `${e(pkg)}/purchases/products/${e(productId)}/tokens/${e(token)}`),
    acknowledgeSubscription: (pkg, subId, token) =>
      request('POST', `${e(pkg)}/purchases/subscriptions/${e(subId)}/tokens/${e(token)}:acknowledge`),
    acknowledgeProduct: (pkg, productId, token) =>
      request('POST', `${e(pkg)}/purchases/products/${e(productId)}/tokens/${e(token)}:acknowledge`),
  };
}

/** Verifies the Google-signed OIDC token of a Pub/Sub push: signature, issuer, audience, service account. */
export function createPushVerifier(pubsub: Config['google']['pubsub']) {
  const jwks = createRemoteJWKSet(new URL(pubsub.jwksUrl));
  return async (authorization: string | undefined): Promise<boolean> => {
    if (!pubsub.audience) return false;
    const token = bearerOf(authorization);
    if (!token) return false;
    try {
      const { payload } = await jwtVerify(token, jwks, {
        issuer: ['https://accounts.google.com', 'accounts.google.com'],
        audience: pubsub.audience,
      });
      if (pubsub.serviceAccount && (payload.email !== pubsub.serviceAccount || payload.email_verified !== true)) {
        return false;
      }
      return true;
    } catch {
      return false;
    }
  };
}
