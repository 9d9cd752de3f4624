// A stand-in for Apple's signing: our own root CA, an intermediate and a leaf carrying the extensions Apple's
// certificates carry (the App Store Server Library checks for them), and JWS signed like the App Store signs
// notifications and StoreKit 2 transactions (ES256, x5c = [leaf, intermediate, root]). Given a stand-in for Apple's
// OCSP responders (apple-ocsp.ts), the leaf and intermediate name it as Apple's name theirs, and it answers for them.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';
import type { FakeAppleOcsp } from './apple-ocsp.ts';
import { Buffer } from 'node:buffer';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
// Apple's marker extensions: intermediate (Apple Worldwide Developer Relations) and leaf (App Store receipt signing).
const INTERMEDIATE_MARKER = '1.2.840.113635.100.6.2.1';
const LEAF_MARKER = '1.2.840.113635.100.6.11.1';

export interface TestAppleCa {
  rootDer: Uint8Array;
  chain: { leaf: x509.X509Certificate; intermediate: x509.X509Certificate; root: x509.X509Certificate };
  /** Signs a payload as the App Store would (JWS compact, ES256, x5c chain). */
  sign(payload: Record<string, unknown>): Promise<string>;
  /** The chain and leaf key, for another process (vitest) to sign with the same CA. */
  exported(): Promise<string>;
}

const b64u = (bytes: Uint8Array | ArrayBuffer) =>
  Buffer.from(bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes).toString('base64url');
const nullExtension = (oid: string) => new x509.Extension(oid, false, new Uint8Array([0x05, 0x00]));

/** What a chain can lack that Apple's has, for tests of the checks that refuse it. */
export type ChainFlaw = 'no leaf marker' | 'no intermediate marker' | 'intermediate not a CA';

export interface TestAppleCaOptions {
  flaws?: ChainFlaw[];
  /** The responder the leaf and intermediate name in their Authority Information Access; it answers for them. */
  ocsp?: FakeAppleOcsp;
  /** The leaf's validity, when not the chain's (from a year ago to five years ahead). */
  leafValidity?: { notBefore: Date; notAfter: Date };
}

export async function createTestAppleCa(
  name = 'Houtai Test',
  { flaws = [], ocsp, leafValidity }: TestAppleCaOptions = {},
): Promise<TestAppleCa> {
  const now = Date.now();
  const validity = { notBefore: new Date(now - 86_400_000 * 365), notAfter: new Date(now + 86_400_000 * 365 * 5) };
  const responder = ocsp ? [new x509.AuthorityInfoAccessExtension({ ocsp: ocsp.url })] : [];
  const rootKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const root = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${name} Root CA - G3, O=Houtai Tests`,
    keys: rootKeys as CryptoKeyPair,
    signingAlgorithm: ALG,
    ...validity,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const interKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const intermediate = await x509.X509CertificateGenerator.create({
    serialNumber: '02',
    subject: `CN=${name} Worldwide Developer Relations, O=Houtai Tests`,
    issuer: root.subject,
    publicKey: interKeys.publicKey,
    signingKey: rootKeys.privateKey,
    signingAlgorithm: ALG,
    ...validity,
    extensions: [
      flaws.includes('intermediate not a CA')
        ? new x509.BasicConstraintsExtension(false, undefined, true)
        : new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
      ...(flaws.includes('no intermediate marker') ? [] : [nullExtension(INTERMEDIATE_MARKER)]),
      ...responder,
    ],
  });
  const leafKeys = await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']);
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: '03',
    subject: `CN=${name} Store Signing, O=Houtai Tests`,
    issuer: intermediate.subject,
    publicKey: leafKeys.publicKey,
    signingKey: interKeys.privateKey,
    signingAlgorithm: ALG,
    ...(leafValidity ?? validity),
    extensions: [
      new x509.BasicConstraintsExtension(false),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      ...(flaws.includes('no leaf marker') ? [] : [nullExtension(LEAF_MARKER)]),
      ...responder,
    ],
  });
  await ocsp?.serve(root, rootKeys.privateKey);
  await ocsp?.serve(intermediate, interKeys.privateKey);
  const x5c = [leaf, intermediate, root].map((cert) => Buffer.from(cert.rawData).toString('base64'));
  return signer(x5c, leafKeys.privateKey);
}

function signer(x5c: string[], leafKey: CryptoKey): TestAppleCa {
  const [leaf, intermediate, root] = x5c.map((cert) => new x509.X509Certificate(Buffer.from(cert, 'base64')));
  return {
    rootDer: new Uint8Array(Buffer.from(x5c[2], 'base64')),
    chain: { leaf, intermediate, root },
    async sign(payload) {
      const header = b64u(new TextEncoder().encode(JSON.stringify({ alg: 'ES256', x5c })));
      const body = b64u(new TextEncoder().encode(JSON.stringify(payload)));
      const signature = await webcrypto.subtle.sign(
        { name: 'ECDSA', hash: 'SHA-256' },
        leafKey,
        new TextEncoder().encode(`${header}.${body}`),
      );
      return `${header}.${body}.${b64u(signature)}`;
    },
    async exported() {
      return JSON.stringify({ x5c, key: await webcrypto.subtle.exportKey('jwk', leafKey) });
    },
  };
}

export async function importTestAppleCa(exported: string): Promise<TestAppleCa> {
  const { x5c, key } = JSON.parse(exported) as { x5c: string[]; key: JsonWebKey };
  const leafKey = await webcrypto.subtle.importKey('jwk', key, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  return signer(x5c, leafKey as CryptoKey);
}
