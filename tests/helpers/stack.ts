// The throwaway stack started by scripts/test.ts, as the tests see it.
import type { JSONWebKeySet, JWK } from 'jose';
import { jwksOf } from '../../scripts/emulators/auth/signing-key.ts';
import process from 'node:process';

export interface TestStack {
  apiUrl: string;
  apiBase: string;
  dbUrl: string;
  jwtSecret: string;
  /** Auth's private signing key: for tokens the emulator will not make (expired ones). */
  signingKey: JWK;
  /** Auth's public keys, as /auth/v1/.well-known/jwks.json serves them. */
  jwks: JSONWebKeySet;
  anonKey: string;
  serviceRoleKey: string;
  publishableKey: string;
  secretKey: string;
  sendSmsHookSecret: string;
  fakeAliyunUrl: string;
  aliyunCredentials: { accessKeyId: string; accessKeySecret: string };
  fakeWechatUrl: string;
  wechatPrograms: Record<string, { app_id: string; app_secret: string }>;
  revenuecatAuth: string;
  appleCa: string;
  /** A chain the stack also trusts, whose leaf the fake OCSP responder reports revoked. */
  appleCaRevoked: string;
  fakeGoogleUrl: string;
  pubsub: { audience: string; email: string };
  dashscope: { url: string; apiKey: string };
  /** The mail catcher's web inbox and HTTP API, where Auth's mail goes. */
  mailUrl: string;
  /** The fake Apple's and Google's private keys and discovery URLs (tests/fakes/oidc-issuers.ts idTokenSigner). */
  idTokenIssuers: string;
}

export function stackEnv(): TestStack {
  const e = process.env;
  const missing = [
    'HOUTAI_TEST_API_URL',
    'HOUTAI_TEST_DB_URL',
    'HOUTAI_TEST_JWT_SECRET',
    'HOUTAI_TEST_SIGNING_KEY',
    'HOUTAI_TEST_ANON_KEY',
    'HOUTAI_TEST_SERVICE_ROLE_KEY',
    'HOUTAI_TEST_PUBLISHABLE_KEY',
    'HOUTAI_TEST_SECRET_KEY',
    'HOUTAI_TEST_SEND_SMS_HOOK_SECRET',
    'HOUTAI_TEST_FAKE_ALIYUN_URL',
    'HOUTAI_TEST_ALIYUN_CREDENTIALS',
    'HOUTAI_TEST_FAKE_WECHAT_URL',
    'HOUTAI_TEST_WECHAT_PROGRAMS',
    'HOUTAI_TEST_REVENUECAT_AUTH',
    'HOUTAI_TEST_APPLE_CA',
    'HOUTAI_TEST_APPLE_CA_REVOKED',
    'HOUTAI_TEST_FAKE_GOOGLE_URL',
    'HOUTAI_TEST_PUBSUB',
    'HOUTAI_TEST_DASHSCOPE',
    'HOUTAI_TEST_MAIL_URL',
    'HOUTAI_TEST_ID_TOKEN_ISSUERS',
  ].filter((k) => !e[k]);
  if (missing.length > 0) {
    throw new Error(`Tests need the stack that \`npm test\` starts (missing ${missing.join(', ')}). Run \`npm test\`.`);
  }
  return {
    apiUrl: e.HOUTAI_TEST_API_URL!,
    apiBase: `${e.HOUTAI_TEST_API_URL}/functions/v1/api/v1`,
    dbUrl: e.HOUTAI_TEST_DB_URL!,
    jwtSecret: e.HOUTAI_TEST_JWT_SECRET!,
    signingKey: JSON.parse(e.HOUTAI_TEST_SIGNING_KEY!),
    jwks: jwksOf(JSON.parse(e.HOUTAI_TEST_SIGNING_KEY!)),
    anonKey: e.HOUTAI_TEST_ANON_KEY!,
    serviceRoleKey: e.HOUTAI_TEST_SERVICE_ROLE_KEY!,
    publishableKey: e.HOUTAI_TEST_PUBLISHABLE_KEY!,
    secretKey: e.HOUTAI_TEST_SECRET_KEY!,
    sendSmsHookSecret: e.HOUTAI_TEST_SEND_SMS_HOOK_SECRET!,
    fakeAliyunUrl: e.HOUTAI_TEST_FAKE_ALIYUN_URL!,
    aliyunCredentials: JSON.parse(e.HOUTAI_TEST_ALIYUN_CREDENTIALS!),
    fakeWechatUrl: e.HOUTAI_TEST_FAKE_WECHAT_URL!,
    wechatPrograms: JSON.parse(e.HOUTAI_TEST_WECHAT_PROGRAMS!),
    revenuecatAuth: e.HOUTAI_TEST_REVENUECAT_AUTH!,
    appleCa: e.HOUTAI_TEST_APPLE_CA!,
    appleCaRevoked: e.HOUTAI_TEST_APPLE_CA_REVOKED!,
    fakeGoogleUrl: e.HOUTAI_TEST_FAKE_GOOGLE_URL!,
    pubsub: JSON.parse(e.HOUTAI_TEST_PUBSUB!),
    dashscope: JSON.parse(e.HOUTAI_TEST_DASHSCOPE!),
    mailUrl: e.HOUTAI_TEST_MAIL_URL!,
    idTokenIssuers: e.HOUTAI_TEST_ID_TOKEN_ISSUERS!,
  };
}

/** The project's keys as the stack hands them to functions (scripts/stack/stack.ts), for functions run in-process. */
export function functionKeysEnv(): Record<string, string> {
  const s = stackEnv();
  return {
    SUPABASE_ANON_KEY: s.anonKey,
    SUPABASE_SERVICE_ROLE_KEY: s.serviceRoleKey,
    SUPABASE_PUBLISHABLE_KEYS: JSON.stringify({ default: s.publishableKey }),
    SUPABASE_SECRET_KEYS: JSON.stringify({ default: s.secretKey }),
    SUPABASE_JWKS: JSON.stringify(s.jwks),
    JWT_SECRET: s.jwtSecret,
  };
}
