// The certificate checks the App Store verifier and its revocation check share, made as Apple's App Store Server
// Library makes them (its statuses, its clock skew), on WebCrypto through @peculiar/x509.
import * as x509 from '@peculiar/x509';
import { VerificationException, type VerificationStatus } from '@apple/app-store-server-library';

/** Clock skew the library allows on certificate validity and on OCSP answers. */
export const MAX_SKEW_MS = 60_000;

export const failed = (status: VerificationStatus): never => {
  throw new VerificationException(status);
};

/** `cert` names `issuer` as its issuer and carries its signature. */
export async function signedBy(cert: x509.X509Certificate, issuer: x509.X509Certificate): Promise<boolean> {
  if (cert.issuer !== issuer.subject) return false;
  return await cert.verify({ publicKey: issuer, signatureOnly: true }).catch(() => false);
}

export const validAt = (cert: x509.X509Certificate, date: Date) =>
  cert.notBefore.getTime() <= date.getTime() + MAX_SKEW_MS && cert.notAfter.getTime() >= date.getTime() - MAX_SKEW_MS;
