// Apple's SignedDataVerifier with its certificate and signature checks made without node:crypto (WebCrypto, and
// @noble/curves where Deno 2.1's WebCrypto lacks an ECDSA pairing: app-store-certificates.ts). The library makes them
// with node:crypto's X509Certificate (`verify`, `raw`, `toString`) and jsrsasign, which Deno 2.1, the Deno of
// Supabase's hosted Edge Runtime, cannot run: there every App Store JWS failed verification. The checks are its own:
// the intermediate signed by a trusted root and the leaf by the intermediate, names chained, the intermediate a CA,
// Apple's marker extensions on both, every certificate valid at the payload's signing date (offline) or today
// (online checks); online, also the leaf's and the intermediate's revocation status by OCSP (app-store-ocsp.ts),
// a chain that passed being trusted for 15 minutes as the library does; then the JWS's ES256 signature by the leaf's
// key. The library still decodes the payload and checks its shape, bundle id, environment and app id; failures are
// its VerificationException with its statuses.
import 'reflect-metadata'; // @peculiar/x509's dependency injection needs it before the first import of the library
import * as x509 from '@peculiar/x509';
import { compactVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import { Buffer } from 'node:buffer';
import { type Environment, SignedDataVerifier, VerificationStatus } from '@apple/app-store-server-library';
import { failed, signedBy, validAt } from './app-store-certificates.ts';
import { checkOcspStatus } from './app-store-ocsp.ts';

/** Marker extensions Apple puts on the App Store's signing certificate and on its intermediate (WWDR). */
const LEAF_MARKER = '1.2.840.113635.100.6.11.1';
const INTERMEDIATE_MARKER = '1.2.840.113635.100.6.2.1';
/** How long the library trusts a chain that passed the online checks, and how many such chains it keeps. */
const CHECKED_CHAIN_TTL_MS = 15 * 60_000;
const CHECKED_CHAINS_MAX = 32;

interface Validator<T> {
  validate(obj: unknown): obj is T;
}

export class WebCryptoSignedDataVerifier extends SignedDataVerifier {
  readonly #roots: x509.X509Certificate[];
  /** Chains (leaf and intermediate, base64) that passed the online checks, with when that stops counting. */
  readonly #checkedChains = new Map<string, number>();

  /** `roots`: base64 DER certificates (Apple Root CA - G3 in production). */
  constructor(roots: string[], onlineChecks: boolean, environment: Environment, bundleId: string, appAppleId?: number) {
    const ders = roots.map((base64) => Buffer.from(base64, 'base64'));
    super(ders, onlineChecks, environment, bundleId, appAppleId);
    this.#roots = ders.map((der) => new x509.X509Certificate(der));
  }

  protected override async verifyJWT<T>(
    jwt: string,
    validator: Validator<T>,
    signedDate: (decoded: T) => Date,
  ): Promise<T> {
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
      [leaf, intermediate] = x5c.slice(0, 2).map((cert: string) =>
        new x509.X509Certificate(Buffer.from(cert, 'base64'))
      );
    } catch {
      return failed(VerificationStatus.INVALID_CERTIFICATE);
    }

    const chain = `${x5c[0]}.${x5c[1]}`;
    if (!this.enableOnlineChecks) await this.#checkChain(leaf, intermediate, signedDate(decoded));
    else if (!this.#recentlyChecked(chain)) {
      await this.#checkChain(leaf, intermediate, new Date());
      this.#remember(chain);
    }

    try {
      await compactVerify(jwt, await leaf.publicKey.export(), { algorithms: ['ES256'] });
    } catch {
      return failed(VerificationStatus.VERIFICATION_FAILURE);
    }
    return decoded;
  }

  async #checkChain(leaf: x509.X509Certificate, intermediate: x509.X509Certificate, date: Date): Promise<void> {
    let root: x509.X509Certificate | undefined;
    for (const candidate of this.#roots) if (await signedBy(intermediate, candidate)) root = candidate;
    const chained = root !== undefined &&
      (await signedBy(leaf, intermediate)) &&
      intermediate.getExtension(x509.BasicConstraintsExtension)?.ca === true &&
      leaf.getExtension(LEAF_MARKER) !== null &&
      intermediate.getExtension(INTERMEDIATE_MARKER) !== null;
    if (!chained) return failed(VerificationStatus.VERIFICATION_FAILURE);
    if (![leaf, intermediate, root!].every((cert) => validAt(cert, date))) {
      return failed(VerificationStatus.INVALID_CERTIFICATE);
    }
    if (this.enableOnlineChecks) {
      await Promise.all([checkOcspStatus(leaf, intermediate), checkOcspStatus(intermediate, root!)]);
    }
  }

  #recentlyChecked(chain: string): boolean {
    return (this.#checkedChains.get(chain) ?? 0) > Date.now();
  }

  #remember(chain: string): void {
    this.#checkedChains.delete(chain);
    this.#checkedChains.set(chain, Date.now() + CHECKED_CHAIN_TTL_MS);
    // Past the limit, the longest-held go first.
    for (const key of this.#checkedChains.keys()) {
      if (this.#checkedChains.size <= CHECKED_CHAINS_MAX) break;
      this.#checkedChains.delete(key);
    }
  }
}
