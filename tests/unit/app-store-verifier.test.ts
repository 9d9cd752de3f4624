// The App Store chain and signature checks made on WebCrypto (Deno 2.1 lacks what Apple's library uses for them):
// each check the library makes refuses a chain that fails it, here where the test CA can be given that flaw; with
// online checks, the revocation check against a stand-in for Apple's OCSP responders. The whole path, on Deno 2.1
// and with online checks on, is tested through the stack in tests/commerce/apple.test.ts.
import { Environment, VerificationStatus } from '@apple/app-store-server-library';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { WebCryptoSignedDataVerifier } from '../../functions/_shared/providers/app-store-verifier.ts';
import { type FakeAppleOcsp, startFakeAppleOcsp } from '../fakes/apple-ocsp.ts';
import { type ChainFlaw, createTestAppleCa, importTestAppleCa, type TestAppleCa } from '../fakes/apple.ts';
import { Buffer } from 'node:buffer';

const BUNDLE_ID = 'com.houtai.verifier-test';
const DAY = 86_400_000;
const transaction = (signedDate = Date.now()) => ({
  transactionId: '2000000123',
  bundleId: BUNDLE_ID,
  environment: 'Sandbox',
  signedDate,
});
const verifierTrusting = (ca: TestAppleCa, onlineChecks = false) =>
  new WebCryptoSignedDataVerifier(
    [Buffer.from(ca.rootDer).toString('base64')],
    onlineChecks,
    Environment.SANDBOX,
    BUNDLE_ID,
  );
const parts = (jws: string) => jws.split('.') as [string, string, string];
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** `impostor`'s leaf (and its key) presented with `ca`'s intermediate and root. */
async function withLeafOf(ca: TestAppleCa, impostor: TestAppleCa): Promise<TestAppleCa> {
  const [genuine, forged] = await Promise.all(
    [ca.exported(), impostor.exported()].map(async (e) => JSON.parse(await e)),
  );
  return importTestAppleCa(JSON.stringify({ x5c: [forged.x5c[0], ...genuine.x5c.slice(1)], key: forged.key }));
}

describe('WebCryptoSignedDataVerifier', () => {
  it('returns the payload of a transaction signed through a chain to a trusted root', async () => {
    const ca = await createTestAppleCa();
    const payload = transaction();
    await expect(verifierTrusting(ca).verifyAndDecodeTransaction(await ca.sign(payload))).resolves.toEqual(payload);
  });

  it("refuses an intermediate not signed by a trusted root, even under that root's name", async () => {
    const [trusted, impostor] = await Promise.all([createTestAppleCa('Same Name'), createTestAppleCa('Same Name')]);
    await expect(verifierTrusting(trusted).verifyAndDecodeTransaction(await impostor.sign(transaction()))).rejects
      .toMatchObject({ status: VerificationStatus.VERIFICATION_FAILURE });
  });

  it("refuses a leaf not signed by the intermediate, even under the intermediate's name", async () => {
    const [ca, impostor] = await Promise.all([createTestAppleCa('Same Name'), createTestAppleCa('Same Name')]);
    const forged = await withLeafOf(ca, impostor);
    await expect(verifierTrusting(ca).verifyAndDecodeTransaction(await forged.sign(transaction()))).rejects
      .toMatchObject({ status: VerificationStatus.VERIFICATION_FAILURE });
  });

  it.each<ChainFlaw>(['no leaf marker', 'no intermediate marker', 'intermediate not a CA'])(
    'refuses a chain with %s',
    async (flaw) => {
      const ca = await createTestAppleCa('Flawed', { flaws: [flaw] });
      await expect(verifierTrusting(ca).verifyAndDecodeTransaction(await ca.sign(transaction()))).rejects.toMatchObject(
        { status: VerificationStatus.VERIFICATION_FAILURE },
      );
    },
  );

  it('refuses a payload signed when its certificates were not valid', async () => {
    const ca = await createTestAppleCa();
    const threeYearsAgo = Date.now() - 3 * 365 * 86_400_000;
    await expect(verifierTrusting(ca).verifyAndDecodeTransaction(await ca.sign(transaction(threeYearsAgo)))).rejects
      .toMatchObject({ status: VerificationStatus.INVALID_CERTIFICATE });
  });

  it('refuses a payload changed after signing', async () => {
    const ca = await createTestAppleCa();
    const [header, , signature] = parts(await ca.sign(transaction()));
    const changed = `${header}.${encode({ ...transaction(), transactionId: '2000000999' })}.${signature}`;
    await expect(verifierTrusting(ca).verifyAndDecodeTransaction(changed)).rejects.toMatchObject({
      status: VerificationStatus.VERIFICATION_FAILURE,
    });
  });

  it('refuses a header whose chain is not leaf, intermediate and root', async () => {
    const ca = await createTestAppleCa();
    const [, payload, signature] = parts(await ca.sign(transaction()));
    const { x5c } = JSON.parse(await ca.exported()) as { x5c: string[] };
    const short = `${encode({ alg: 'ES256', x5c: x5c.slice(0, 2) })}.${payload}.${signature}`;
    await expect(verifierTrusting(ca).verifyAndDecodeTransaction(short)).rejects.toMatchObject({
      status: VerificationStatus.INVALID_CHAIN_LENGTH,
    });
  });
});

describe('WebCryptoSignedDataVerifier with online checks', () => {
  let ocsp: FakeAppleOcsp;
  beforeAll(async () => {
    ocsp = await startFakeAppleOcsp();
  });
  afterAll(() => ocsp.close());
  afterEach(() => vi.useRealTimers());

  const verifyOnline = async (ca: TestAppleCa, signedDate?: number) =>
    verifierTrusting(ca, true).verifyAndDecodeTransaction(await ca.sign(transaction(signedDate)));

  it('accepts a chain whose leaf and intermediate the responder vouches for, asking about both', async () => {
    const ca = await createTestAppleCa('Online', { ocsp });
    const before = ocsp.requests();
    await expect(verifyOnline(ca)).resolves.toMatchObject({ transactionId: '2000000123' });
    expect(ocsp.requests() - before).toBe(2);
  });

  it.each(
    [
      ['a leaf the responder reports revoked', 'leaf', 'revoked', VerificationStatus.FAILURE],
      ['an intermediate the responder reports revoked', 'intermediate', 'revoked', VerificationStatus.FAILURE],
      ['a leaf the responder does not know', 'leaf', 'unknown', VerificationStatus.FAILURE],
      [
        "an answer signed with a key other than its responder certificate's",
        'leaf',
        'signed by another key',
        VerificationStatus.FAILURE,
      ],
      ['an answer past its next update', 'leaf', 'stale', VerificationStatus.FAILURE],
      [
        'a responder answering an HTTP error, as retryable',
        'leaf',
        'http error',
        VerificationStatus.RETRYABLE_VERIFICATION_FAILURE,
      ],
    ] as const,
  )('refuses %s', async (_title, which, answer, status) => {
    const ca = await createTestAppleCa('Online', { ocsp });
    const issuer = which === 'leaf' ? ca.chain.intermediate : ca.chain.root;
    ocsp.answer(ca.chain[which], issuer, answer);
    await expect(verifyOnline(ca)).rejects.toMatchObject({ status });
  });

  it('accepts an answer signed by the issuer itself rather than a responder certificate', async () => {
    const ca = await createTestAppleCa('Online', { ocsp });
    ocsp.answer(ca.chain.leaf, ca.chain.intermediate, 'signed by the issuer');
    await expect(verifyOnline(ca)).resolves.toMatchObject({ transactionId: '2000000123' });
  });

  it('refuses, as retryable, when the responder cannot be reached', async () => {
    const gone = await startFakeAppleOcsp();
    const ca = await createTestAppleCa('Online', { ocsp: gone });
    await gone.close();
    await expect(verifyOnline(ca)).rejects.toMatchObject({ status: VerificationStatus.RETRYABLE_VERIFICATION_FAILURE });
  });

  it('refuses a chain whose certificates name no responder', async () => {
    const ca = await createTestAppleCa('Offline only');
    await expect(verifyOnline(ca)).rejects.toMatchObject({ status: VerificationStatus.INVALID_CERTIFICATE });
  });

  it('refuses online a leaf that expired since it signed, which offline checks accept', async () => {
    const ca = await createTestAppleCa('Expired', {
      ocsp,
      leafValidity: { notBefore: new Date(Date.now() - 365 * DAY), notAfter: new Date(Date.now() - DAY) },
    });
    const threeDaysAgo = Date.now() - 3 * DAY;
    await expect(verifierTrusting(ca).verifyAndDecodeTransaction(await ca.sign(transaction(threeDaysAgo)))).resolves
      .toMatchObject({ transactionId: '2000000123' });
    await expect(verifyOnline(ca, threeDaysAgo)).rejects.toMatchObject({
      status: VerificationStatus.INVALID_CERTIFICATE,
    });
  });

  it('asks the responder again about a chain it vouched for only after 15 minutes, as the library', async () => {
    const ca = await createTestAppleCa('Online', { ocsp });
    const verifier = verifierTrusting(ca, true);
    await verifier.verifyAndDecodeTransaction(await ca.sign(transaction()));
    ocsp.answer(ca.chain.leaf, ca.chain.intermediate, 'revoked');
    const before = ocsp.requests();
    await expect(verifier.verifyAndDecodeTransaction(await ca.sign(transaction()))).resolves.toMatchObject({
      transactionId: '2000000123',
    });
    expect(ocsp.requests()).toBe(before);

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 16 * 60_000);
    await expect(verifier.verifyAndDecodeTransaction(await ca.sign(transaction()))).rejects.toMatchObject({
      status: VerificationStatus.FAILURE,
    });
  });
});
