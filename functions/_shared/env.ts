// Every setting the functions read, parsed once with zod through the one reader (env-reader.ts). This is the only
// module that reads the functions' environment. A bad or missing value stops start-up with one error naming every
// bad variable, instead of failing on the first request that needs it.
import process from 'node:process';
import type { JSONWebKeySet, JWK } from 'jose';
import { z } from 'zod';
import type { AiConfig } from './ai-config.ts';
import { API_KEY_PREFIX, type ApiKeyKind, type ProjectApiKeys } from './api-keys.ts';
import { across, bool, bucket, type Env, jsonSetting, readEnv } from './env-reader.ts';
import type { JwtKeys } from './jwt.ts';
import type { EmojiConfig } from './providers/dashscope.ts';
import type { ImageModelConfig } from './providers/image-generation.ts';
import type { AliyunSmsConfig } from './providers/sms.ts';

/**
 * The project's JSON Web Key Set as hosted functions get it ({"keys":[…]}, or the bare array). Only public keys of
 * asymmetric algorithms are taken: a symmetric ("oct") entry, which the Supabase CLI adds for its JWT secret, is
 * left to JWT_SECRET, so one secret never arrives by two ways.
 */
const Jwks = jsonSetting(
  z.union([
    z.object({ keys: z.array(z.looseObject({ kty: z.string() })) }),
    z.array(z.looseObject({ kty: z.string() })),
  ])
    .transform((set): JSONWebKeySet => ({
      keys: (Array.isArray(set) ? set : set.keys).filter((key) => key.kty !== 'oct') as JWK[],
    })),
);

/**
 * {"default":"sb_secret_…", …}: a project's API keys of one kind, by name (SUPABASE_PUBLISHABLE_KEYS / _SECRET_KEYS).
 */
const apiKeys = (kind: ApiKeyKind) =>
  jsonSetting(
    z.record(
      z.string(),
      z.string().startsWith(API_KEY_PREFIX[kind], `expected {"default":"${API_KEY_PREFIX[kind]}…"}`),
    ),
  );

/** The project's URL and keys: what verifies its JWTs and which API keys it has (also read by the local gateway). */
const projectVariables = {
  SUPABASE_URL: z.url().default('http://127.0.0.1:54321'),
  /** The legacy API keys (HS256 JWTs with role anon / service_role); hosted Supabase sets both. */
  SUPABASE_ANON_KEY: z.string().optional(),
  SUPABASE_SERVICE_ROLE_KEY: z.string().optional(),
  /** The new API keys by name; hosted Supabase sets both. */
  SUPABASE_PUBLISHABLE_KEYS: apiKeys('publishable'),
  SUPABASE_SECRET_KEYS: apiKeys('secret'),
  /**
   * The public keys Supabase Auth signs user tokens with (the body of /auth/v1/.well-known/jwks.json); hosted sets it.
   */
  SUPABASE_JWKS: Jwks,
  /** HS256 secret of legacy JWTs (the legacy API keys, projects not yet on signing keys). */
  JWT_SECRET: z.string().min(16).optional(),
};

export type ProjectKeys = Pick<Config, 'jwt' | 'keys'>;
export type ProjectSettings = Pick<Config, 'supabaseUrl'> & ProjectKeys;

function projectSettings(e: z.infer<z.ZodObject<typeof projectVariables>>): ProjectSettings {
  return {
    supabaseUrl: e.SUPABASE_URL,
    jwt: { secret: e.JWT_SECRET, jwks: e.SUPABASE_JWKS },
    keys: {
      anon: e.SUPABASE_PUBLISHABLE_KEYS?.default ?? e.SUPABASE_ANON_KEY,
      serviceRole: e.SUPABASE_SECRET_KEYS?.default ?? e.SUPABASE_SERVICE_ROLE_KEY,
      api: {
        publishable: Object.values(e.SUPABASE_PUBLISHABLE_KEYS ?? {}),
        secret: Object.values(e.SUPABASE_SECRET_KEYS ?? {}),
      },
      legacy: { anon: e.SUPABASE_ANON_KEY, serviceRole: e.SUPABASE_SERVICE_ROLE_KEY },
    },
  };
}

/** Only the project's URL and keys, for the local gateway, which mirrors what Supabase's gateway checks. */
export function loadProjectSettings(env: Env = process.env): ProjectSettings {
  return projectSettings(readEnv(z.object(projectVariables), env));
}

/** Aliyun's AccessKey pair, which Aliyun SMS and Aliyun content moderation share. */
const aliyunKeyVariables = {
  ALIYUN_ACCESS_KEY_ID: z.string().min(1).optional(),
  ALIYUN_ACCESS_KEY_SECRET: z.string().min(1).optional(),
};

/**
 * The AI gateway: provider (any OpenAI-compatible endpoint; Qwen through DashScope's compatible mode by default),
 * ordered models per use case, timeouts, retries, prices and daily quotas, and moderation.
 */
const aiVariables = {
  AI_BASE_URL: z.url().default('https://dashscope.aliyuncs.com/compatible-mode/v1'),
  AI_API_KEY: z.string().min(1).optional(),
  /** Ordered fallback models per use case; "default" applies to the rest. */
  AI_MODELS: jsonSetting(z.record(z.string(), z.array(z.string().min(1)).min(1)), {
    default: ['qwen-plus', 'qwen-turbo'],
  }),
  AI_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(30_000),
  /** Extra attempts per model on 429, 5xx and timeouts. */
  AI_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  AI_RETRY_BASE_MS: z.coerce.number().int().min(1).max(10_000).default(500),
  /** Price per million tokens (in and out) per model, in micro-units of the billing currency. */
  AI_PRICES: jsonSetting(
    z.record(z.string(), z.object({ in: z.number().nonnegative(), out: z.number().nonnegative() })),
    {},
  ),
  /** Successful calls per user per app per UTC day. */
  AI_DAILY_QUOTAS: jsonSetting(z.record(z.string(), z.number().int().positive()), { default: 200 }),
  /** Offline moderation: comma-separated terms that block input and output. */
  MODERATION_BLOCKLIST: z.string().default(''),
  /** Aliyun content moderation (Green, TextModerationPlus), with the ALIYUN_ACCESS_KEY_* credentials. */
  ALIYUN_MODERATION_ENABLED: z.enum(['true', 'false']).default('false'),
  ALIYUN_MODERATION_ENDPOINT: z.string().default('green-cip.cn-shanghai.aliyuncs.com'),
  ALIYUN_MODERATION_PROTOCOL: z.enum(['https', 'http']).default('https'),
  /** The lowest Aliyun risk level that blocks: high, or medium to be stricter. */
  ALIYUN_MODERATION_BLOCK_LEVEL: z.enum(['high', 'medium', 'low']).default('high'),
  ...aliyunKeyVariables,
};

function aiConfig(e: z.output<z.ZodObject<typeof aiVariables>>): AiConfig {
  return {
    baseUrl: e.AI_BASE_URL,
    apiKey: e.AI_API_KEY,
    models: e.AI_MODELS,
    timeoutMs: e.AI_TIMEOUT_MS,
    retries: e.AI_RETRIES,
    retryBaseMs: e.AI_RETRY_BASE_MS,
    prices: e.AI_PRICES,
    dailyQuotas: e.AI_DAILY_QUOTAS,
    moderationBlocklist: e.MODERATION_BLOCKLIST.split(',').map((t) => t.trim()).filter(Boolean),
    aliyunModeration: e.ALIYUN_MODERATION_ENABLED === 'true' && e.ALIYUN_ACCESS_KEY_ID && e.ALIYUN_ACCESS_KEY_SECRET
      ? {
        accessKeyId: e.ALIYUN_ACCESS_KEY_ID,
        accessKeySecret: e.ALIYUN_ACCESS_KEY_SECRET,
        endpoint: e.ALIYUN_MODERATION_ENDPOINT,
        protocol: e.ALIYUN_MODERATION_PROTOCOL,
        blockLevel: e.ALIYUN_MODERATION_BLOCK_LEVEL,
      }
      : undefined,
  };
}

/** Only the AI settings (for the AI feature's tests, which need no database or keys). */
export function loadAiConfig(env: Env = process.env): AiConfig {
  return aiConfig(readEnv(z.object(aiVariables), env));
}

/** How many proxies in front of us append to X-Forwarded-For; the client is that many entries from the right. */
export const TrustedProxyHops = z.coerce.number().int().min(0).max(5).default(1);

const variables = z
  .object({
    SUPABASE_DB_URL: z.string().min(1),
    ...projectVariables,
    DB_POOL_MAX: z.coerce.number().int().min(1).max(100).default(4),
    /** Named prepared statements break behind a transaction-mode pooler (Supavisor :6543); on by choice only. */
    DB_PREPARE: bool.default(false),
    BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(1024 * 1024),
    CORS_ORIGINS: z.string().default('*'),
    LOG_REQUESTS: bool.default(true),
    /** Bearer token a Prometheus scraper sends to GET /api/v1/metrics (the service-role key works too). */
    METRICS_TOKEN: z
      .string()
      .refine((v) => v === '' || v.length >= 32, 'use at least 32 random characters')
      .optional()
      .transform((v) => v || undefined),
    TRUSTED_PROXY_HOPS: TrustedProxyHops,
    RATE_LIMIT_ENABLED: bool.default(true),
    RATE_LIMIT_READ_USER: bucket.default({ capacity: 600, windowSeconds: 60 }),
    RATE_LIMIT_READ_IP: bucket.default({ capacity: 1200, windowSeconds: 60 }),
    RATE_LIMIT_WRITE_USER: bucket.default({ capacity: 120, windowSeconds: 60 }),
    RATE_LIMIT_WRITE_IP: bucket.default({ capacity: 300, windowSeconds: 60 }),
    /**
     * How long a read or write may be granted in memory before Postgres hears of it: the interval in which several
     * instances together can grant more than a bucket holds (each of them at most what it had left).
     */
    RATE_LIMIT_SYNC_MS: z.coerce.number().int().min(1).max(10_000).default(100),
    /** Sign-in routes (device, WeChat), per IP: Auth's own sign-in limit. */
    RATE_LIMIT_AUTH_IP: bucket.default({ capacity: 30, windowSeconds: 300 }),
    /** Every /hooks/* request, per client address, before any hook checks its caller: stores and Auth call from few. */
    RATE_LIMIT_HOOKS_IP: bucket.default({ capacity: 300, windowSeconds: 60 }),
    /** Standard Webhooks secret(s) of the Auth send-SMS hook, "v1,whsec_<base64>", "|"-separated. */
    SEND_SMS_HOOK_SECRETS: z.string().regex(/^v1,whsec_[A-Za-z0-9+/=]+(\|v1,whsec_[A-Za-z0-9+/=]+)*$/).optional(),
    SMS_LIMIT_PHONE: bucket.default({ capacity: 5, windowSeconds: 3600 }),
    SMS_LIMIT_IP: bucket.default({ capacity: 30, windowSeconds: 3600 }),
    ...aliyunKeyVariables,
    ALIYUN_SMS_SIGN_NAME: z.string().min(1).optional(),
    ALIYUN_SMS_TEMPLATE_CODE: z.string().min(1).optional(),
    ALIYUN_SMS_ENDPOINT: z.string().default('dysmsapi.aliyuncs.com'),
    ALIYUN_SMS_PROTOCOL: z.enum(['https', 'http']).default('https'),
    /** Server-only secret from which device and WeChat sign-in passwords are derived. */
    SIGN_IN_SECRET: z.string().min(32).optional(),
    WECHAT_API_BASE: z.url().default('https://api.weixin.qq.com'),
    /** Mini-program credentials per app: {"diary":{"app_id":"wx…","app_secret":"…"}}. Without them: dev exchange. */
    WECHAT_MINI_PROGRAMS: jsonSetting(
      z.record(z.string(), z.object({ app_id: z.string().min(1), app_secret: z.string().min(1) })),
      {},
    ),
    /** The exact Authorization header value configured for the RevenueCat webhook. */
    REVENUECAT_WEBHOOK_AUTH: z.string().min(16).optional(),
    /** Trusted roots for App Store JWS (base64 DER, comma-separated): Apple Root CA - G3 in production. */
    APPLE_ROOT_CERTIFICATES: z.string().optional(),
    /** Per app: {"pickitchen":{"bundle_id":"…","app_apple_id":123456789,"environment":"Production"}}. */
    APPLE_APPS: jsonSetting(
      z.record(
        z.string(),
        z.object({
          bundle_id: z.string().min(1),
          app_apple_id: z.number().int().optional(),
          environment: z.enum(['Production', 'Sandbox']).default('Production'),
        }),
      ),
      {},
    ),
    /**
     * Apple's online checks of a JWS chain: certificates valid today and not revoked (OCSP, failing closed). Off only
     * for a local CA with no OCSP responder; the test stack's stand-in for Apple has one, so tests run them on.
     */
    APPLE_ONLINE_CHECKS: bool.default(true),
    /** Per app: {"pickitchen":{"package_name":"com.houtai.pickitchen"}}. */
    GOOGLE_PLAY_APPS: jsonSetting(z.record(z.string(), z.object({ package_name: z.string().min(1) })), {}),
    /** The Play Developer API service account key (JSON, as downloaded; token_uri is honoured). */
    GOOGLE_SERVICE_ACCOUNT_JSON: jsonSetting(
      z.object({
        client_email: z.string().min(1),
        private_key: z.string().min(1),
        token_uri: z.url().default('https://oauth2.googleapis.com/token'),
      }),
    ),
    GOOGLE_PLAY_API_BASE: z.url().default('https://androidpublisher.googleapis.com'),
    /** Pub/Sub push authentication: the audience configured on the push subscription and its service account. */
    GOOGLE_PUBSUB_AUDIENCE: z.string().optional(),
    GOOGLE_PUBSUB_SERVICE_ACCOUNT: z.string().optional(),
    GOOGLE_OIDC_JWKS_URL: z.url().default('https://www.googleapis.com/oauth2/v3/certs'),
    /** Local stack only: without WeChat credentials, exchange codes deterministically instead of calling WeChat. */
    WECHAT_DEV_EXCHANGE: bool.default(false),
    /** Model Studio (Beijing) API key for PicKitchen's emoji videos; empty or unset: the offline provider. */
    DASHSCOPE_API_KEY: z.string().optional().transform((v) => v || undefined),
    DASHSCOPE_BASE_URL: z.url().default('https://dashscope.aliyuncs.com'),
    EMOJI_DETECT_MODEL: z.string().min(1).default('emoji-detect-v1'),
    EMOJI_VIDEO_MODEL: z.string().min(1).default('emoji-v1'),
    /** DashScope suggests polling its tasks every 15 s; generation takes 1–5 minutes. */
    EMOJI_POLL_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(600).default(15),
    /** Give up on a task after this long; DashScope forgets task ids after 24 h. */
    EMOJI_TASK_DEADLINE_MINUTES: z.coerce.number().int().min(1).max(24 * 60).default(30),
    /** Growth Diary's pictures: DashScope's text-to-image model (with DASHSCOPE_API_KEY; else the offline one). */
    DIARY_IMAGE_MODEL: z.string().min(1).default('wanx2.1-t2i-turbo'),
    DIARY_IMAGE_SIZE: z.string().regex(/^\d{3,4}\*\d{3,4}$/).default('1024*1024'),
    /** A picture takes 10–60 s; the AI task polls its DashScope task this often, for at most the deadline. */
    DIARY_IMAGE_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(3000),
    DIARY_IMAGE_DEADLINE_SECONDS: z.coerce.number().int().min(1).max(600).default(120),
    ...aiVariables,
  });

const schema = variables
  .refine(
    (e) => e.JWT_SECRET || e.SUPABASE_JWKS,
    across<Settings>(
      ['SUPABASE_JWKS', 'JWT_SECRET'],
      "set SUPABASE_JWKS (hosted Supabase sets it: the JWKS of the project's Auth) " +
        'or JWT_SECRET (HS256) so the API can verify JWTs',
    ),
  )
  .refine(
    (e) => {
      const aliyun = [
        e.ALIYUN_ACCESS_KEY_ID,
        e.ALIYUN_ACCESS_KEY_SECRET,
        e.ALIYUN_SMS_SIGN_NAME,
        e.ALIYUN_SMS_TEMPLATE_CODE,
      ];
      return aliyun.every(Boolean) || !aliyun.some(Boolean);
    },
    across<Settings>(
      ['ALIYUN_ACCESS_KEY_ID', 'ALIYUN_ACCESS_KEY_SECRET', 'ALIYUN_SMS_SIGN_NAME', 'ALIYUN_SMS_TEMPLATE_CODE'],
      'set all four of ALIYUN_ACCESS_KEY_ID, ALIYUN_ACCESS_KEY_SECRET, ALIYUN_SMS_SIGN_NAME, ' +
        'ALIYUN_SMS_TEMPLATE_CODE, or none',
    ),
  )
  .refine(
    (e) => e.EMOJI_POLL_INTERVAL_SECONDS < e.EMOJI_TASK_DEADLINE_MINUTES * 60,
    across<Settings>(
      ['EMOJI_POLL_INTERVAL_SECONDS', 'EMOJI_TASK_DEADLINE_MINUTES'],
      'must be shorter than EMOJI_TASK_DEADLINE_MINUTES, or a task is never polled before its deadline',
    ),
  );

type Settings = z.output<typeof variables>;

export type RateLimitBucket = { capacity: number; windowSeconds: number };
export type RateLimitFamily = 'read' | 'write' | 'auth' | 'hooks';

export interface Config {
  supabaseUrl: string;
  dbUrl: string;
  jwt: JwtKeys;
  db: { poolMax: number; prepare: boolean };
  bodyLimitBytes: number;
  corsOrigins: string[] | '*';
  logRequests: boolean;
  metricsToken?: string;
  trustedProxyHops: number;
  rateLimit: {
    enabled: boolean;
    syncMs: number;
    families: Record<RateLimitFamily, { user: RateLimitBucket; ip: RateLimitBucket }>;
  };
  sms: {
    hookSecrets?: string;
    limits: { phone: RateLimitBucket; ip: RateLimitBucket };
    aliyun?: AliyunSmsConfig;
  };
  signInSecret?: string;
  keys: {
    /**
     * The keys the functions' own supabase-js clients use: the default publishable / secret key, else the legacy JWT.
     */
    anon?: string;
    serviceRole?: string;
    /** Every sb_ API key of the project, by kind. */
    api: ProjectApiKeys;
    /** The legacy API keys (JWTs): a service caller may present the service_role one as it is. */
    legacy: { anon?: string; serviceRole?: string };
  };
  revenuecat: { webhookAuth?: string };
  google: {
    apps: Record<string, { packageName: string }>;
    serviceAccount?: { client_email: string; private_key: string; token_uri: string };
    apiBase: string;
    pubsub: { audience?: string; serviceAccount?: string; jwksUrl: string };
  };
  apple: {
    rootCertificates: string[];
    onlineChecks: boolean;
    apps: Record<string, { bundleId: string; appAppleId?: number; environment: 'Production' | 'Sandbox' }>;
  };
  wechat: { apiBase: string; programs: Record<string, { appId: string; appSecret: string }>; devExchange: boolean };
  emoji: EmojiConfig;
  diaryImage: ImageModelConfig & { pollIntervalMs: number; deadlineMs: number };
  /** The AI gateway and moderation settings (ai-config.ts), read from the same environment. */
  ai: AiConfig;
}

export function loadConfig(env: Env = process.env): Config {
  const e = readEnv(schema, env);
  return {
    dbUrl: e.SUPABASE_DB_URL,
    ...projectSettings(e),
    db: { poolMax: e.DB_POOL_MAX, prepare: e.DB_PREPARE },
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    corsOrigins: e.CORS_ORIGINS === '*' ? '*' : e.CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean),
    logRequests: e.LOG_REQUESTS,
    metricsToken: e.METRICS_TOKEN,
    trustedProxyHops: e.TRUSTED_PROXY_HOPS,
    rateLimit: {
      enabled: e.RATE_LIMIT_ENABLED,
      syncMs: e.RATE_LIMIT_SYNC_MS,
      families: {
        read: { user: e.RATE_LIMIT_READ_USER, ip: e.RATE_LIMIT_READ_IP },
        write: { user: e.RATE_LIMIT_WRITE_USER, ip: e.RATE_LIMIT_WRITE_IP },
        auth: { user: e.RATE_LIMIT_AUTH_IP, ip: e.RATE_LIMIT_AUTH_IP },
        hooks: { user: e.RATE_LIMIT_HOOKS_IP, ip: e.RATE_LIMIT_HOOKS_IP },
      },
    },
    sms: {
      hookSecrets: e.SEND_SMS_HOOK_SECRETS,
      limits: { phone: e.SMS_LIMIT_PHONE, ip: e.SMS_LIMIT_IP },
      aliyun: e.ALIYUN_ACCESS_KEY_ID
        ? {
          accessKeyId: e.ALIYUN_ACCESS_KEY_ID,
          accessKeySecret: e.ALIYUN_ACCESS_KEY_SECRET!,
          signName: e.ALIYUN_SMS_SIGN_NAME!,
          templateCode: e.ALIYUN_SMS_TEMPLATE_CODE!,
          endpoint: e.ALIYUN_SMS_ENDPOINT,
          protocol: e.ALIYUN_SMS_PROTOCOL,
        }
        : undefined,
    },
    signInSecret: e.SIGN_IN_SECRET,
    revenuecat: { webhookAuth: e.REVENUECAT_WEBHOOK_AUTH },
    google: {
      apps: Object.fromEntries(
        Object.entries(e.GOOGLE_PLAY_APPS).map(([app, a]) => [app, { packageName: a.package_name }]),
      ),
      serviceAccount: e.GOOGLE_SERVICE_ACCOUNT_JSON,
      apiBase: e.GOOGLE_PLAY_API_BASE,
      pubsub: {
        audience: e.GOOGLE_PUBSUB_AUDIENCE,
        serviceAccount: e.GOOGLE_PUBSUB_SERVICE_ACCOUNT,
        jwksUrl: e.GOOGLE_OIDC_JWKS_URL,
      },
    },
    apple: {
      rootCertificates: (e.APPLE_ROOT_CERTIFICATES ?? '').split(',').map((c) => c.trim()).filter(Boolean),
      onlineChecks: e.APPLE_ONLINE_CHECKS,
      apps: Object.fromEntries(
        Object.entries(e.APPLE_APPS).map((
          [app, a],
        ) => [app, { bundleId: a.bundle_id, appAppleId: a.app_apple_id, environment: a.environment }]),
      ),
    },
    wechat: {
      devExchange: e.WECHAT_DEV_EXCHANGE,
      apiBase: e.WECHAT_API_BASE,
      programs: Object.fromEntries(
        Object.entries(e.WECHAT_MINI_PROGRAMS).map(([app, p]) => [app, { appId: p.app_id, appSecret: p.app_secret }]),
      ),
    },
    emoji: {
      dashscope: e.DASHSCOPE_API_KEY ? { apiKey: e.DASHSCOPE_API_KEY, baseUrl: e.DASHSCOPE_BASE_URL } : undefined,
      detectModel: e.EMOJI_DETECT_MODEL,
      videoModel: e.EMOJI_VIDEO_MODEL,
      pollIntervalSeconds: e.EMOJI_POLL_INTERVAL_SECONDS,
      taskDeadlineMinutes: e.EMOJI_TASK_DEADLINE_MINUTES,
    },
    diaryImage: {
      dashscope: e.DASHSCOPE_API_KEY ? { apiKey: e.DASHSCOPE_API_KEY, baseUrl: e.DASHSCOPE_BASE_URL } : undefined,
      model: e.DIARY_IMAGE_MODEL,
      size: e.DIARY_IMAGE_SIZE,
      pollIntervalMs: e.DIARY_IMAGE_POLL_INTERVAL_MS,
      deadlineMs: e.DIARY_IMAGE_DEADLINE_SECONDS * 1000,
    },
    ai: aiConfig(e),
  };
}
