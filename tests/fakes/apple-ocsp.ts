// A stand-in for Apple's OCSP responders: a local HTTP server answering OCSP requests (RFC 6960, POST
// application/ocsp-request) about the test CA's certificates the way Apple's do, signed by a responder certificate
// the issuer made for OCSP signing and carried in the answer. That certificate's key is P-384 and signs with SHA-256,
// as OpenSSL's responder does: a pairing Deno 2.1's WebCrypto cannot verify, so the stack's functions must manage
// without it. Each certificate's answer is good until a test says
// otherwise; other answers make the ways an answer can fail. It listens on 127.0.0.1 and never keeps its process
// alive (close() stops it sooner).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { AlgorithmIdentifier, Certificate, SubjectPublicKeyInfo } from '@peculiar/asn1-x509';
import {
  BasicOCSPResponse,
  CertStatus,
  id_pkix_ocsp_basic,
  KeyHash,
  OCSPRequest,
  OCSPResponse,
  OCSPResponseStatus,
  ResponderID,
  ResponseBytes,
  ResponseData,
  RevokedInfo,
  SingleResponse,
} from '@peculiar/asn1-ocsp';
import { createHash, webcrypto } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Buffer } from 'node:buffer';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/**
 * What the responder says of a certificate: its status (good, revoked, unknown), an answer signed with a key other
 * than the responder certificate's, signed by the issuer itself rather than a responder certificate, one past its
 * next update, or an HTTP error.
 */
export type OcspAnswer =
  | 'good'
  | 'revoked'
  | 'unknown'
  | 'signed by another key'
  | 'signed by the issuer'
  | 'stale'
  | 'http error';

export interface FakeAppleOcsp {
  url: string;
  /** Answers for the certificates `issuer` signed, through a responder certificate it issues now. */
  serve(issuer: x509.X509Certificate, issuerKey: CryptoKey): Promise<void>;
  /** What it answers about `cert`, issued by `issuer`, from now on. */
  answer(cert: x509.X509Certificate, issuer: x509.X509Certificate, answer: OcspAnswer): void;
  /** How many requests it has been sent. */
  requests(): number;
  close(): Promise<void>;
}

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** The responder certificate's key and signatures. */
const RESPONDER_ALG = { name: 'ECDSA', namedCurve: 'P-384', hash: 'SHA-256' } as const;
const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const HOUR = 3_600_000;

interface Signer {
  cert: x509.X509Certificate;
  key: CryptoKey;
}

const hex = (data: ArrayBuffer | Uint8Array) =>
  Buffer.from(data instanceof Uint8Array ? data : new Uint8Array(data)).toString('hex');
const keyBits = (cert: x509.X509Certificate) =>
  AsnConvert.parse(cert.publicKey.rawData, SubjectPublicKeyInfo).subjectPublicKey;
const hash = (algorithm: 'sha1' | 'sha256', data: ArrayBuffer) =>
  createHash(algorithm).update(new Uint8Array(data)).digest();
/** A certificate as OCSP requests name it: its issuer's key hash (SHA-256) and its serial number. */
const certKey = (issuerKeyHash: ArrayBuffer | Uint8Array, serial: ArrayBuffer) =>
  `${hex(issuerKeyHash)}/${hex(serial)}`;

async function responderFor(issuer: Signer): Promise<Signer> {
  const keys = (await webcrypto.subtle.generateKey(RESPONDER_ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: '7f01',
    subject: `CN=${issuer.cert.subjectName.getField('CN')[0]} OCSP Responder, O=Houtai Tests`,
    issuer: issuer.cert.subject,
    publicKey: keys.publicKey,
    signingKey: issuer.key,
    signingAlgorithm: ALG,
    notBefore: new Date(now - 24 * HOUR),
    notAfter: new Date(now + 365 * 24 * HOUR),
    extensions: [
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.ocspSigning]),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  return { cert, key: keys.privateKey };
}

function status(answer: OcspAnswer): CertStatus {
  if (answer === 'revoked') {
    return new CertStatus({ revoked: new RevokedInfo({ revocationTime: new Date(Date.now() - HOUR) }) });
  }
  if (answer === 'unknown') return new CertStatus({ unknown: null });
  return new CertStatus({ good: null });
}

const failure = (responseStatus: OCSPResponseStatus) => AsnConvert.serialize(new OCSPResponse({ responseStatus }));

export async function startFakeAppleOcsp(): Promise<FakeAppleOcsp> {
  /** By the SHA-256 hash of the issuer's key: the issuer and its responder certificate. */
  const issuers = new Map<string, { issuer: Signer; responder: Signer }>();
  const answers = new Map<string, OcspAnswer>();
  let requests = 0;

  async function respond(der: Buffer): Promise<{ status: number; body: ArrayBuffer }> {
    const request = AsnConvert.parse(der, OCSPRequest);
    const certId = request.tbsRequest.requestList[0]?.reqCert;
    const served = certId && issuers.get(hex(certId.issuerKeyHash.buffer));
    if (!certId || !served) return { status: 200, body: failure(OCSPResponseStatus.unauthorized) };
    const answer = answers.get(certKey(certId.issuerKeyHash.buffer, certId.serialNumber)) ?? 'good';
    if (answer === 'http error') return { status: 500, body: new ArrayBuffer(0) };

    const now = Date.now();
    const signer = answer === 'signed by the issuer' ? served.issuer : served.responder;
    const tbsResponseData = new ResponseData({
      responderID: new ResponderID({ byKey: new KeyHash(hash('sha1', keyBits(signer.cert))) }),
      producedAt: new Date(now),
      responses: [
        new SingleResponse({
          certID: certId,
          certStatus: status(answer),
          thisUpdate: new Date(answer === 'stale' ? now - 48 * HOUR : now - 60_000),
          nextUpdate: new Date(answer === 'stale' ? now - 24 * HOUR : now + 12 * HOUR),
        }),
      ],
    });
    const alg = signer === served.responder ? RESPONDER_ALG : ALG;
    const signingKey = answer === 'signed by another key'
      ? ((await webcrypto.subtle.generateKey(alg, false, ['sign'])) as CryptoKeyPair).privateKey
      : signer.key;
    const raw = await webcrypto.subtle.sign(alg, signingKey, AsnConvert.serialize(tbsResponseData));
    const basic = new BasicOCSPResponse({
      tbsResponseData,
      signatureAlgorithm: new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 }),
      signature: new x509.AsnEcSignatureFormatter().toAsnSignature(alg, raw)!,
      certs: signer === served.responder ? [AsnConvert.parse(signer.cert.rawData, Certificate)] : undefined,
    });
    const body = AsnConvert.serialize(
      new OCSPResponse({
        responseStatus: OCSPResponseStatus.successful,
        responseBytes: new ResponseBytes({
          responseType: id_pkix_ocsp_basic,
          response: new OctetString(AsnConvert.serialize(basic)),
        }),
      }),
    );
    return { status: 200, body };
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests++;
      const answered = req.method === 'POST' && req.headers['content-type'] === 'application/ocsp-request'
        ? respond(Buffer.concat(chunks)).catch(() => ({
          status: 200,
          body: failure(OCSPResponseStatus.malformedRequest),
        }))
        : Promise.resolve({ status: 200, body: failure(OCSPResponseStatus.malformedRequest) });
      void answered.then(({ status, body }) => {
        res.writeHead(status, { 'content-type': 'application/ocsp-response' });
        res.end(Buffer.from(body));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/ocsp`,
    async serve(cert, key) {
      const issuer = { cert, key };
      issuers.set(hash('sha256', keyBits(cert)).toString('hex'), { issuer, responder: await responderFor(issuer) });
    },
    answer(cert, issuer, answer) {
      answers.set(
        certKey(
          hash('sha256', keyBits(issuer)),
          AsnConvert.parse(cert.rawData, Certificate).tbsCertificate.serialNumber,
        ),
        answer,
      );
    },
    requests: () => requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
