// Apple's SignedDataVerifier with its certificate and signature checks made on WebCrypto. The library makes them with
// node:crypto's X509Certificate (`verify`, `raw`, `toString`), which Deno 2.1, the Deno of Supabase's hosted Edge
// Runtime, does not implement: there every App Store JWS failed verification. The checks are the library's own,
// offline (at the payload's signing date): the intermediate signed by a trusted root and the leaf by the
// intermediate, names chained, the intermediate a CA, Apple's marker extensions on both, every certificate valid at
// the signing date; then the JWS's ES256 signature by the leaf's key. The library still decodes the payload and
// checks its shape, bundle id, environment and app id; failures are its VerificationException with its statuses.
import 'reflect-metadata'; // @peculiar/x509's dependency injection needs it before the first import of the library
import * as x509 from '@peculiar/x509';
import { compactVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import { Buffer } from 'node:buffer';
import { type Environment, SignedDataVerifier, VerificationException, VerificationStatus } from '@apple/app-store-server-library';

/** Marker extensions Apple puts on the App Store's signing certificate and on its intermediate (WWDR). */
const LEAF_MARKER = '1.2.840.113635.100.6.11.1';
const INTERMEDIATE_MARKER = '1.2.840.113635.100.6.2.1';
/** Clock skew the library allows on certificate validity. */
const MAX_SKEW_MS = 60_000;

interface Validator<T> {
  validate(obj: unknown): obj is T;
}

const failed = (status: VerificationStatus): never => {
  throw new VerificationException(status);
};

async function signedBy(cert: x509.X509Certificate, issuer: x509.X509Certificate): Promise<boolean> {
  if (cert.issuer !== issuer.subject) return false;
  return await cert.verify({ publicKey: issuer, signatureOnly: true }).catch(() => false);
}

/** The leaf's revocation status by OCSP. Fails closed: the OCSP exchange on WebCrypto is not made yet, so with
 *  online checks on nothing passes (the setting is on in production: a deployer must not believe it checks). */
async function notRevoked(_leaf: x509.X509Certificate, _issuer: x509.X509Certificate): Promise<boolean> {
  return false;
}

const validAt = (cert: x509.X509Certificate, date: Date) =>
  cert.notBefore.getTime() <= date.getTime() + MAX_SKEW_MS && cert.notAfter.getTime() >= date.getTime() - MAX_SKEW_MS;

export class WebCryptoSignedDataVerifier extends SignedDataVerifier {
  readonly #roots: x509.X509Certificate[];

  /** `roots`: base64 DER certificates (Apple Root CA - G3 in production). */
  constructor(roots: string[], onlineChecks: boolean, environment: Environment, bundleId: string, appAppleId?: number) {
    const ders = roots.map((base64) => Buffer.from(base64, 'base64'));
    super(ders, onlineChecks, environment, bundleId, appAppleId);
    this.#roots = ders.map((der) => new x509.X509Certificate(der));
  }

  protected override async verifyJWT<T>(jwt: string, validator: Validator<T>, signedDate: (decoded: T) => Date): Promise<T> {
    let decoded: unknown;
    let x5c: unknown;
    try {
      decoded = decodeJwt(jwt);
      x5c = decodeProtectedHeader(jwt).x5c;
    } catch {
      return failed(VerificationStatus.FAILURE);
    }
    if (!validator.validate(decoded)) return failed(VerificationStatus.FAILURE);
    if (!Array.isArray(x5c) || x5c.length !== 3) return failed(VerificationStatus.INVALID_CHAIN_LENGTH);
    let leaf: x509.X509Certificate;
    let intermediate: x509.X509Certificate;
    try {
      [leaf, intermediate] = x5c.slice(0, 2).map((cert: string) => new x509.X509Certificate(Buffer.from(cert, 'base64')));
    } catch {
      return failed(VerificationStatus.INVALID_CERTIFICATE);
    }

    let root: x509.X509Certificate | undefined;
    for (const candidate of this.#roots) if (await signedBy(intermediate, candidate)) root = candidate;
    const chained =
      root !== undefined &&
      (await signedBy(leaf, intermediate)) &&
      intermediate.getExtension(x509.BasicConstraintsExtension)?.ca === true &&
      leaf.getExtension(LEAF_MARKER) !== null &&
      intermediate.getExtension(INTERMEDIATE_MARKER) !== null;
    if (!chained) return failed(VerificationStatus.VERIFICATION_FAILURE);
    // Online, as the library: every certificate valid now, and the leaf not revoked; offline, at the signing date.
    const date = this.enableOnlineChecks ? new Date() : signedDate(decoded);
    if (![leaf, intermediate, root!].every((cert) => validAt(cert, date))) return failed(VerificationStatus.INVALID_CERTIFICATE);
    if (this.enableOnlineChecks && !(await notRevoked(leaf, intermediate))) return failed(VerificationStatus.VERIFICATION_FAILURE);

    try {
      await compactVerify(jwt, await leaf.publicKey.export(), { algorithms: ['ES256'] });
    } catch {
      return failed(VerificationStatus.VERIFICATION_FAILURE);
    }
    return decoded;
  }
}
