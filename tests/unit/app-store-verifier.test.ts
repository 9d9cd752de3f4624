// The App Store chain and signature checks made on WebCrypto (Deno 2.1 lacks what Apple's library uses for them):
// each check the library makes refuses a chain that fails it, here where the test CA can be given that flaw. The
// whole path, on Deno, is tested through the stack in tests/commerce/apple.test.ts.
import { Environment, VerificationStatus } from '@apple/app-store-server-library';
import { describe, expect, it } from 'vitest';
import { WebCryptoSignedDataVerifier } from '../../functions/_shared/providers/app-store-verifier.ts';
import { createTestAppleCa, importTestAppleCa, type ChainFlaw, type TestAppleCa } from '../fakes/apple.ts';

const BUNDLE_ID = 'com.houtai.verifier-test';
const transaction = (signedDate = Date.now()) => ({ transactionId: '2000000123', bundleId: BUNDLE_ID, environment: 'Sandbox', signedDate });
const verifierTrusting = (ca: TestAppleCa) => new WebCryptoSignedDataVerifier([Buffer.from(ca.rootDer).toString('base64')], false, Environment.SANDBOX, BUNDLE_ID);
const parts = (jws: string) => jws.split('.') as [string, string, string];
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** `impostor`'s leaf (and its key) presented with `ca`'s intermediate and root. */
async function withLeafOf(ca: TestAppleCa, impostor: TestAppleCa): Promise<TestAppleCa> {
  const [genuine, forged] = await Promise.all([ca.exported(), impostor.exported()].map(async (e) => JSON.parse(await e)));
  return importTestAppleCa(JSON.stringify({ x5c: [forged.x5c[0], ...genuine.x5c.slice(1)], key: forged.key }));
}

describe('WebCryptoSignedDataVerifier', () => {
  it('returns the payload of a transaction signed through a chain to a trusted root', async () => {
    const ca = await createTestAppleCa();
    const payload = transaction();
    await expect(verifierTrusting(ca).verifyAndDecodeTransaction(await ca.sign(payload))).resolves.toEqual(payload);
  });

  it('refuses an intermediate not signed by a trusted root, even under that root\'s name', async () => {
    const [trusted, impostor] = await Promise.all([createTestAppleCa('Same Name'), createTestAppleCa('Same Name')]);
    await expect(verifierTrusting(trusted).verifyAndDecodeTransaction(await impostor.sign(transaction()))).rejects.toMatchObject({ status: VerificationStatus.VERIFICATION_FAILURE });
  });

  it('refuses a leaf not signed by the intermediate, even under the intermediate\'s name', async () => {
    const [ca, impostor] = await Promise.all([createTestAppleCa('Same Name'), createTestAppleCa('Same Name')]);
    const forged = await withLeafOf(ca, impostor);
    await expect(verifierTrusting(ca).verifyAndDecodeTransaction(await forged.sign(transaction()))).rejects.toMatchObject({ status: VerificationStatus.VERIFICATION_FAILURE });
  });

  it.each<ChainFlaw>(['no leaf marker', 'no intermediate marker', 'intermediate not a CA'])('refuses a chain with %s', async (flaw) => {
    const ca = await createTestAppleCa('Flawed', [flaw]);
    await expect(verifierTrusting(ca).verifyAndDecodeTransaction(await ca.sign(transaction()))).rejects.toMatchObject({ status: VerificationStatus.VERIFICATION_FAILURE });
  });

  it('refuses a payload signed when its certificates were not valid', async () => {
    const ca = await createTestAppleCa();
    const threeYearsAgo = Date.now() - 3 * 365 * 86_400_000;
    await expect(verifierTrusting(ca).verifyAndDecodeTransaction(await ca.sign(transaction(threeYearsAgo)))).rejects.toMatchObject({ status: VerificationStatus.INVALID_CERTIFICATE });
  });

  it('refuses a payload changed after signing', async () => {
    const ca = await createTestAppleCa();
    const [header, , signature] = parts(await ca.sign(transaction()));
    const changed = `${header}.${encode({ ...transaction(), transactionId: '2000000999' })}.${signature}`;
    await expect(verifierTrusting(ca).verifyAndDecodeTransaction(changed)).rejects.toMatchObject({ status: VerificationStatus.VERIFICATION_FAILURE });
  });

  it('refuses a header whose chain is not leaf, intermediate and root', async () => {
    const ca = await createTestAppleCa();
    const [, payload, signature] = parts(await ca.sign(transaction()));
    const { x5c } = JSON.parse(await ca.exported()) as { x5c: string[] };
    const short = `${encode({ alg: 'ES256', x5c: x5c.slice(0, 2) })}.${payload}.${signature}`;
    await expect(verifierTrusting(ca).verifyAndDecodeTransaction(short)).rejects.toMatchObject({ status: VerificationStatus.INVALID_CHAIN_LENGTH });
  });
});
