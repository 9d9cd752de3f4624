// The key the Auth emulator signs access tokens with: one ES256 (P-256) key with a kid, as Supabase Auth signs with
// a hosted project's current signing key (GoTrue's JWT_KEYS: private JWKs, the signing one with "sign" in key_ops).
// Its public half is what GET /auth/v1/.well-known/jwks.json serves and what functions receive as SUPABASE_JWKS.
import { exportJWK, generateKeyPair, type JSONWebKeySet, type JWK } from 'jose';

/** A new private signing key as a JWK (for signing only: WebCrypto refuses a private key that claims "verify"). */
export async function newSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: crypto.randomUUID(), alg: 'ES256', use: 'sig', key_ops: ['sign'] };
}

/** GoTrue's JWKS entry for a signing key: its public half, for verifying only. */
export function publicJwk({ kty, kid, alg, crv, x, y }: JWK): JWK {
  return { kty, kid, alg, use: 'sig', key_ops: ['verify'], crv, x, y };
}

/** The JWKS of a project whose Auth signs with `signingKey`, as /auth/v1/.well-known/jwks.json answers it. */
export function jwksOf(signingKey: JWK): JSONWebKeySet {
  return { keys: [publicJwk(signingKey)] };
}
