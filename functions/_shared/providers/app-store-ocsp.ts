// Apple's revocation check for an App Store signing chain, made on WebCrypto: the App Store Server Library's own
// OCSP check (its checkOCSPStatus, built on jsrsasign and node:crypto, which Deno 2.1 cannot run). For a certificate
// and its issuer: a request naming the certificate (SHA-256 CertID) is POSTed to the OCSP responder in the
// certificate's Authority Information Access; the answer must be signed by the issuer or by a responder
// certificate the issuer signed for OCSP, currently valid; and the entry for the certificate must say good and be
// current. It fails closed: a responder that cannot be reached or answers an error fails the check, retryably.
// Two of the library's slips are not copied: it compares key objects by reference, so it refuses answers signed by
// the issuer itself, and its date parser reads no GeneralizedTime, so it never refuses a stale answer.
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate } from '@peculiar/asn1-x509';
import {
  BasicOCSPResponse,
  CertID,
  id_pkix_ocsp_basic,
  OCSPRequest,
  OCSPResponse,
  OCSPResponseStatus,
  Request,
  TBSRequest,
} from '@peculiar/asn1-ocsp';
import * as x509 from '@peculiar/x509';
import { VerificationException, VerificationStatus } from '@apple/app-store-server-library';
import { failed, hashOf, keyBits, MAX_SKEW_MS, signatureHolds, signedBy, validAt } from './app-store-certificates.ts';

const SHA256 = '2.16.840.1.101.3.4.2.1';
/** How long the library waits for a responder. */
const RESPONDER_TIMEOUT_MS = 30_000;
/** The hashes the library accepts in an answer's signature algorithm. */
const SIGNATURE_HASHES = ['SHA-256', 'SHA-384', 'SHA-512'];

const view = (
  data: BufferSource,
) => (ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data));
const sameBytes = (a: BufferSource, b: BufferSource) => {
  const [x, y] = [view(a), view(b)];
  return x.length === y.length && x.every((byte, i) => byte === y[i]);
};
const digest = (hash: string, data: BufferSource) => crypto.subtle.digest(hash, data);

/** OCSP's name for `cert` issued by `issuer`, hashed with SHA-256 as the library asks. */
async function certIdOf(cert: x509.X509Certificate, issuer: x509.X509Certificate): Promise<CertID> {
  return new CertID({
    hashAlgorithm: new AlgorithmIdentifier({ algorithm: SHA256, parameters: null }),
    issuerNameHash: new OctetString(await digest('SHA-256', issuer.subjectName.toArrayBuffer())),
    issuerKeyHash: new OctetString(await digest('SHA-256', keyBits(issuer.publicKey))),
    serialNumber: AsnConvert.parse(cert.rawData, Certificate).tbsCertificate.serialNumber,
  });
}

const sameCertId = (a: CertID, b: CertID) =>
  a.hashAlgorithm.algorithm === b.hashAlgorithm.algorithm &&
  sameBytes(a.issuerNameHash.buffer, b.issuerNameHash.buffer) &&
  sameBytes(a.issuerKeyHash.buffer, b.issuerKeyHash.buffer) &&
  sameBytes(a.serialNumber, b.serialNumber);

/** The responder's URL from the certificate's Authority Information Access; none is an invalid certificate. */
function responderOf(cert: x509.X509Certificate): string {
  const url = cert.getExtension(x509.AuthorityInfoAccessExtension)?.ocsp.find((name) => name.type === 'url')?.value;
  return url ?? failed(VerificationStatus.INVALID_CERTIFICATE);
}

/** The responder's DER answer. Unreachable, slow or answering an HTTP error: a failure worth retrying. */
async function ask(url: string, request: CertID): Promise<ArrayBuffer> {
  const body = AsnConvert.serialize(
    new OCSPRequest({ tbsRequest: new TBSRequest({ requestList: [new Request({ reqCert: request })] }) }),
  );
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/ocsp-request' },
      body,
      signal: AbortSignal.timeout(RESPONDER_TIMEOUT_MS),
    });
    if (!response.ok) {
      await response.body?.cancel();
      return failed(VerificationStatus.RETRYABLE_VERIFICATION_FAILURE);
    }
    return await response.arrayBuffer();
  } catch (err) {
    if (err instanceof VerificationException) throw err;
    return failed(VerificationStatus.RETRYABLE_VERIFICATION_FAILURE);
  }
}

/** The certificate whose key the answer names as its signer: the issuer or one the answer carries. */
async function signerOf(answer: BasicOCSPResponse, issuer: x509.X509Certificate): Promise<x509.X509Certificate> {
  const { byKey, byName } = answer.tbsResponseData.responderID;
  const candidates = [
    issuer,
    ...(answer.certs ?? []).map((cert) => new x509.X509Certificate(AsnConvert.serialize(cert))),
  ];
  for (const cert of candidates) {
    const named = byKey
      ? sameBytes(await digest('SHA-1', keyBits(cert.publicKey)), byKey.buffer)
      : byName !== undefined && sameBytes(AsnConvert.serialize(byName), cert.subjectName.toArrayBuffer());
    if (named) return cert;
  }
  return failed(VerificationStatus.FAILURE);
}

/** The issuer itself, or a certificate it signed for OCSP signing that is valid now. */
async function checkSigner(signer: x509.X509Certificate, issuer: x509.X509Certificate): Promise<void> {
  if (sameBytes(signer.rawData, issuer.rawData)) return;
  const delegated = (await signedBy(signer, issuer)) &&
    signer.getExtension(x509.ExtendedKeyUsageExtension)?.usages.includes(x509.ExtendedKeyUsage.ocspSigning) === true &&
    validAt(signer, new Date());
  if (!delegated) failed(VerificationStatus.INVALID_CERTIFICATE);
}

/** Throws the library's VerificationException unless the responder vouches, now, that `cert` is not revoked. */
export async function checkOcspStatus(cert: x509.X509Certificate, issuer: x509.X509Certificate): Promise<void> {
  try {
    const certId = await certIdOf(cert, issuer);
    const response = AsnConvert.parse(await ask(responderOf(cert), certId), OCSPResponse);
    if (
      response.responseStatus !== OCSPResponseStatus.successful ||
      response.responseBytes?.responseType !== id_pkix_ocsp_basic
    ) {
      return failed(VerificationStatus.VERIFICATION_FAILURE);
    }
    const answer = AsnConvert.parse(response.responseBytes.response.buffer, BasicOCSPResponse);
    const signer = await signerOf(answer, issuer);
    await checkSigner(signer, issuer);
    const signed = answer.tbsResponseDataRaw ?? AsnConvert.serialize(answer.tbsResponseData);
    const hash = hashOf(answer.signatureAlgorithm)?.toUpperCase();
    if (
      !hash || !SIGNATURE_HASHES.includes(hash) ||
      !(await signatureHolds(signer.publicKey, answer.signatureAlgorithm, answer.signature, signed))
    ) {
      return failed(VerificationStatus.FAILURE);
    }

    const entry = answer.tbsResponseData.responses.find((single) => sameCertId(single.certID, certId));
    const now = Date.now();
    const current = entry !== undefined && entry.thisUpdate.getTime() <= now + MAX_SKEW_MS &&
      entry.nextUpdate !== undefined && entry.nextUpdate.getTime() >= now - MAX_SKEW_MS;
    if (!current || entry.certStatus.good === undefined) failed(VerificationStatus.FAILURE);
  } catch (err) {
    if (err instanceof VerificationException) throw err;
    // What does not parse, as in the library.
    failed(VerificationStatus.VERIFICATION_FAILURE);
  }
}
