// The certificate checks the App Store verifier and its revocation check share, made as Apple's App Store Server
// Library makes them (its statuses, its clock skew), without node:crypto: @peculiar/x509 reads the certificates, and
// signatures are checked on WebCrypto, ECDSA ones with @noble/curves over a WebCrypto digest. Deno 2.1's WebCrypto
// verifies ECDSA only as P-256 with SHA-256 and P-384 with SHA-384, while the library, on node:crypto, takes any
// curve with any SHA-2 hash, and an OCSP responder of Apple's may sign P-384 with SHA-256 as OpenSSL's does.
import * as x509 from '@peculiar/x509';
import { p256, p384, p521 } from '@noble/curves/nist';
import { AsnConvert } from '@peculiar/asn1-schema';
import { type AlgorithmIdentifier, Certificate, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import { VerificationException, type VerificationStatus } from '@apple/app-store-server-library';

/** Clock skew the library allows on certificate validity and on OCSP answers. */
export const MAX_SKEW_MS = 60_000;
const CURVES: Record<string, typeof p256> = { 'P-256': p256, 'P-384': p384, 'P-521': p521 };

export const failed = (status: VerificationStatus): never => {
  throw new VerificationException(status);
};

/** A public key's bits (the subjectPublicKey of its SubjectPublicKeyInfo): an EC point, or what OCSP hashes. */
export const keyBits = (key: x509.PublicKey) => AsnConvert.parse(key.rawData, SubjectPublicKeyInfo).subjectPublicKey;

/** The hash an X.509 signature algorithm names (SHA-256, …), if it names one. */
export function hashOf(algorithm: AlgorithmIdentifier): string | undefined {
  const { hash } = new x509.AlgorithmProvider().toWebAlgorithm(algorithm) as Algorithm & { hash?: string | Algorithm };
  return typeof hash === 'string' ? hash : hash?.name;
}

/** Whether `signature`, as X.509 encodes it (DER for ECDSA), is `key`'s over `data` by the algorithm named. */
export async function signatureHolds(
  key: x509.PublicKey,
  algorithm: AlgorithmIdentifier,
  signature: ArrayBuffer,
  data: ArrayBuffer,
): Promise<boolean> {
  try {
    const web = new x509.AlgorithmProvider().toWebAlgorithm(algorithm);
    const hash = hashOf(algorithm);
    if (web.name === 'ECDSA') {
      const curve = CURVES[(key.algorithm as EcKeyAlgorithm).namedCurve];
      if (!curve || !hash) return false;
      const digest = new Uint8Array(await crypto.subtle.digest(hash, data));
      return curve.verify(new Uint8Array(signature), digest, new Uint8Array(keyBits(key)), {
        prehash: false,
        format: 'der',
      });
    }
    const keyAlgorithm = { ...key.algorithm, ...web };
    return await crypto.subtle.verify(keyAlgorithm, await key.export(keyAlgorithm, ['verify']), signature, data);
  } catch {
    return false;
  }
}

/** `cert` names `issuer` as its issuer and carries its signature. */
export async function signedBy(cert: x509.X509Certificate, issuer: x509.X509Certificate): Promise<boolean> {
  if (cert.issuer !== issuer.subject) return false;
  const asn = AsnConvert.parse(cert.rawData, Certificate);
  return await signatureHolds(
    issuer.publicKey,
    asn.signatureAlgorithm,
    asn.signatureValue,
    asn.tbsCertificateRaw ?? AsnConvert.serialize(asn.tbsCertificate),
  );
}

export const validAt = (cert: x509.X509Certificate, date: Date) =>
  cert.notBefore.getTime() <= date.getTime() + MAX_SKEW_MS && cert.notAfter.getTime() >= date.getTime() - MAX_SKEW_MS;
