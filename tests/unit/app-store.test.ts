// The App Store verifier runs Apple's online checks when configured to: a chain whose certificates name no OCSP
// responder cannot be checked for revocation and is refused; offline, the same chain passes. A responder that cannot
// be reached is no verdict on the signature: the caller is told to retry.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../functions/_shared/env.ts';
import { ApiError } from '../../functions/_shared/errors.ts';
import { AppStoreVerificationError, createAppStore } from '../../functions/_shared/providers/app-store.ts';
import { startFakeAppleOcsp } from '../fakes/apple-ocsp.ts';
import { createTestAppleCa, type TestAppleCa } from '../fakes/apple.ts';
import { Buffer } from 'node:buffer';

const BUNDLE = 'com.houtai.pickitchen';
let ca: TestAppleCa;
beforeAll(async () => {
  ca = await createTestAppleCa();
});

function appStore(onlineChecks: string, trusted = ca) {
  const { apple } = loadConfig({
    SUPABASE_DB_URL: 'postgresql://x@127.0.0.1/postgres',
    JWT_SECRET: 'a-secret-of-sixteen+',
    APPLE_ROOT_CERTIFICATES: Buffer.from(trusted.rootDer).toString('base64'),
    APPLE_APPS: JSON.stringify({ pickitchen: { bundle_id: BUNDLE, environment: 'Sandbox' } }),
    APPLE_ONLINE_CHECKS: onlineChecks,
  });
  return createAppStore(apple)!;
}

function signedTransaction(signer = ca) {
  const now = Date.now();
  return signer.sign({
    transactionId: 't-1',
    originalTransactionId: 'o-1',
    bundleId: BUNDLE,
    productId: 'com.houtai.pickitchen.points.100',
    purchaseDate: now,
    originalPurchaseDate: now,
    quantity: 1,
    type: 'Consumable',
    inAppOwnershipType: 'PURCHASED',
    signedDate: now,
    environment: 'Sandbox',
    transactionReason: 'PURCHASE',
    storefront: 'USA',
    storefrontId: '143441',
  });
}

describe('App Store verification', () => {
  it("refuses a chain Apple's revocation check cannot vouch for when online checks are on", async () => {
    await expect(appStore('true').verifyTransaction('pickitchen', await signedTransaction())).rejects.toBeInstanceOf(
      AppStoreVerificationError,
    );
  });

  it('accepts the same chain, checked at its signing date, when online checks are off', async () => {
    expect((await appStore('false').verifyTransaction('pickitchen', await signedTransaction())).transactionId).toBe(
      't-1',
    );
  });

  it("answers 503 SERVICE_UNAVAILABLE, not a signature failure, when Apple's responder cannot be reached", async () => {
    const ocsp = await startFakeAppleOcsp();
    const unreachable = await createTestAppleCa('Unreachable', { ocsp });
    await ocsp.close();
    const refusal = await appStore('true', unreachable).verifyTransaction(
      'pickitchen',
      await signedTransaction(unreachable),
    ).catch((err: unknown) => err);
    expect(refusal).toBeInstanceOf(ApiError);
    expect(refusal).toMatchObject({ code: 'SERVICE_UNAVAILABLE', status: 503 });
  });
});
