import { describe, expect, it } from 'vitest';
import { loadConfig, loadProjectSettings } from '../../functions/_shared/env.ts';
import { authSettings } from '../../scripts/emulators/auth/config.ts';

const base = { SUPABASE_DB_URL: 'postgresql://x@127.0.0.1/postgres', JWT_SECRET: 'a-secret-of-sixteen+' };

describe('loadConfig', () => {
  it('applies defaults', () => {
    const c = loadConfig(base);
    expect(c.bodyLimitBytes).toBe(1024 * 1024);
    expect(c.db).toEqual({ poolMax: 4, prepare: false });
    expect(c.corsOrigins).toBe('*');
    expect(c.rateLimit.families.write.user).toEqual({ capacity: 120, windowSeconds: 60 });
  });

  it('parses lists, booleans and buckets', () => {
    const c = loadConfig({
      ...base,
      CORS_ORIGINS: 'https://a.cn, https://b.cn',
      DB_PREPARE: 'true',
      RATE_LIMIT_READ_IP: '10/1',
    });
    expect(c.corsOrigins).toEqual(['https://a.cn', 'https://b.cn']);
    expect(c.db.prepare).toBe(true);
    expect(c.rateLimit.families.read.ip).toEqual({ capacity: 10, windowSeconds: 1 });
  });

  it('names every bad variable', () => {
    expect(() => loadConfig({ JWT_SECRET: 'short', RATE_LIMIT_READ_IP: 'lots' })).toThrowError(
      /SUPABASE_DB_URL[\s\S]*JWT_SECRET[\s\S]*RATE_LIMIT_READ_IP/,
    );
  });

  it('runs emoji videos offline by default, on DashScope with a key', () => {
    expect(loadConfig(base).emoji).toEqual({
      dashscope: undefined,
      detectModel: 'emoji-detect-v1',
      videoModel: 'emoji-v1',
      pollIntervalSeconds: 15,
      taskDeadlineMinutes: 30,
    });
    // An empty key, as copied from .env.example, is no key.
    expect(loadConfig({ ...base, DASHSCOPE_API_KEY: '' }).emoji.dashscope).toBeUndefined();
    const c = loadConfig({
      ...base,
      DASHSCOPE_API_KEY: 'sk-1',
      EMOJI_VIDEO_MODEL: 'emoji-v2',
      EMOJI_POLL_INTERVAL_SECONDS: '5',
      EMOJI_TASK_DEADLINE_MINUTES: '60',
    });
    expect(c.emoji).toMatchObject({
      dashscope: { apiKey: 'sk-1', baseUrl: 'https://dashscope.aliyuncs.com' },
      videoModel: 'emoji-v2',
      pollIntervalSeconds: 5,
      taskDeadlineMinutes: 60,
    });
  });

  it('rejects emoji timings that cannot work', () => {
    expect(() => loadConfig({ ...base, EMOJI_POLL_INTERVAL_SECONDS: '0' })).toThrowError(/EMOJI_POLL_INTERVAL_SECONDS/);
    expect(() => loadConfig({ ...base, EMOJI_TASK_DEADLINE_MINUTES: '2000' })).toThrowError(
      /EMOJI_TASK_DEADLINE_MINUTES/,
    );
    expect(() => loadConfig({ ...base, EMOJI_POLL_INTERVAL_SECONDS: '120', EMOJI_TASK_DEADLINE_MINUTES: '1' }))
      .toThrowError(/EMOJI_POLL_INTERVAL_SECONDS: must be shorter/);
    expect(() => loadConfig({ ...base, DASHSCOPE_BASE_URL: 'dashscope' })).toThrowError(/DASHSCOPE_BASE_URL/);
  });

  it('checks App Store chains online (validity today, revocation) unless APPLE_ONLINE_CHECKS is false', () => {
    expect(loadConfig(base).apple.onlineChecks).toBe(true);
    expect(loadConfig({ ...base, APPLE_ONLINE_CHECKS: 'false' }).apple.onlineChecks).toBe(false);
    expect(() => loadConfig({ ...base, APPLE_ONLINE_CHECKS: 'no' })).toThrowError(/APPLE_ONLINE_CHECKS/);
  });

  it('needs a way to verify JWTs: SUPABASE_JWKS as hosted sets it ({"keys":[…]} or a list), or JWT_SECRET', () => {
    const key = { kty: 'EC', crv: 'P-256', x: 'x', y: 'y', kid: 'k1', alg: 'ES256' };
    expect(() => loadConfig({ SUPABASE_DB_URL: base.SUPABASE_DB_URL })).toThrowError(/SUPABASE_JWKS.*JWT_SECRET/);
    expect(
      loadConfig({ SUPABASE_DB_URL: base.SUPABASE_DB_URL, SUPABASE_JWKS: JSON.stringify({ keys: [key] }) }).jwt.jwks,
    ).toEqual({ keys: [key] });
    expect(loadConfig({ SUPABASE_DB_URL: base.SUPABASE_DB_URL, SUPABASE_JWKS: JSON.stringify([key]) }).jwt.jwks)
      .toEqual({ keys: [key] });
    // The CLI lists its JWT secret as an "oct" key: a secret is JWT_SECRET's to give, never taken from the JWKS.
    expect(
      loadConfig({
        SUPABASE_DB_URL: base.SUPABASE_DB_URL,
        SUPABASE_JWKS: JSON.stringify({ keys: [key, { kty: 'oct', k: 'c2VjcmV0' }] }),
      }).jwt.jwks,
    ).toEqual({ keys: [key] });
    expect(() => loadConfig({ SUPABASE_DB_URL: base.SUPABASE_DB_URL, SUPABASE_JWKS: '{keys' })).toThrowError(
      /SUPABASE_JWKS: not valid JSON/,
    );
  });

  it('reads the API keys as hosted Supabase gives them, new keys before legacy ones for its own clients', () => {
    const c = loadConfig({
      ...base,
      SUPABASE_ANON_KEY: 'legacy.anon.jwt',
      SUPABASE_SERVICE_ROLE_KEY: 'legacy.service.jwt',
      SUPABASE_PUBLISHABLE_KEYS: '{"default":"sb_publishable_a","web":"sb_publishable_b"}',
      SUPABASE_SECRET_KEYS: '{"default":"sb_secret_a","automations":"sb_secret_b"}',
    });
    expect(c.keys).toEqual({
      anon: 'sb_publishable_a',
      serviceRole: 'sb_secret_a',
      api: { publishable: ['sb_publishable_a', 'sb_publishable_b'], secret: ['sb_secret_a', 'sb_secret_b'] },
      legacy: { anon: 'legacy.anon.jwt', serviceRole: 'legacy.service.jwt' },
    });
    expect(loadConfig({ ...base, SUPABASE_SERVICE_ROLE_KEY: 'legacy.service.jwt' }).keys.serviceRole).toBe(
      'legacy.service.jwt',
    );
    expect(() => loadConfig({ ...base, SUPABASE_SECRET_KEYS: '{"default":"sb_publishable_a"}' })).toThrowError(
      /SUPABASE_SECRET_KEYS/,
    );
  });
});

describe('JSON settings', () => {
  const JSON_SETTINGS = [
    'SUPABASE_JWKS',
    'SUPABASE_PUBLISHABLE_KEYS',
    'SUPABASE_SECRET_KEYS',
    'WECHAT_MINI_PROGRAMS',
    'APPLE_APPS',
    'GOOGLE_PLAY_APPS',
    'GOOGLE_SERVICE_ACCOUNT_JSON',
    'AI_MODELS',
    'AI_PRICES',
    'AI_DAILY_QUOTAS',
  ];

  /** What loadConfig threw for `env`. */
  const failure = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
    } catch (error) {
      return error as Error;
    }
    throw new Error('loadConfig accepted the environment');
  };

  it.each(JSON_SETTINGS)(
    'malformed %s is one message naming it, never a raw SyntaxError, and does not echo the value',
    (name) => {
      const error = failure({ [name]: 'sk-secret' });
      expect(error).not.toBeInstanceOf(SyntaxError);
      expect(error.message).toMatch(new RegExp(`^  ${name}: not valid JSON \\(.+\\)$`, 'm'));
      expect(error.message).not.toContain('sk-secret');
    },
  );

  it('a JSON setting of the wrong shape names the field inside it', () => {
    expect(failure({ APPLE_APPS: '{"pickitchen":{"environment":"Production"}}' }).message).toMatch(
      /^ {2}APPLE_APPS\.pickitchen\.bundle_id: required$/m,
    );
    expect(failure({ WECHAT_MINI_PROGRAMS: '{"diary":{"app_id":"wx1"}}' }).message).toMatch(
      /^ {2}WECHAT_MINI_PROGRAMS\.diary\.app_secret: required$/m,
    );
    expect(failure({ GOOGLE_PLAY_APPS: '{"pickitchen":{}}' }).message).toMatch(
      /^ {2}GOOGLE_PLAY_APPS\.pickitchen\.package_name: required$/m,
    );
    expect(failure({ GOOGLE_SERVICE_ACCOUNT_JSON: '{"client_email":"a@b"}' }).message).toMatch(
      /^ {2}GOOGLE_SERVICE_ACCOUNT_JSON\.private_key: required$/m,
    );
    expect(failure({ AI_DAILY_QUOTAS: '{"coach":"many"}' }).message).toMatch(/^ {2}AI_DAILY_QUOTAS\.coach: /m);
  });

  it('reports every bad setting in one error: JSON, AI, plain and cross-setting rules together', () => {
    const error = failure({
      APPLE_APPS: '{"pickitchen":',
      GOOGLE_PLAY_APPS: '{"pickitchen":{}}',
      AI_MODELS: '[',
      AI_TIMEOUT_MS: 'soon',
      RATE_LIMIT_READ_IP: 'lots',
      EMOJI_POLL_INTERVAL_SECONDS: '120',
      EMOJI_TASK_DEADLINE_MINUTES: '1',
    });
    const named = [...error.message.matchAll(/^ {2}([A-Z_]+)/gm)].map(([, name]) => name);
    expect(new Set(named)).toEqual(
      new Set([
        'APPLE_APPS',
        'GOOGLE_PLAY_APPS',
        'AI_MODELS',
        'AI_TIMEOUT_MS',
        'RATE_LIMIT_READ_IP',
        'EMOJI_POLL_INTERVAL_SECONDS',
      ]),
    );
  });

  it('reads valid JSON settings as before; an empty value is no value', () => {
    const c = loadConfig({
      ...base,
      APPLE_APPS: '{"pickitchen":{"bundle_id":"com.houtai.pickitchen","app_apple_id":1234567890}}',
      GOOGLE_PLAY_APPS: '{"pickitchen":{"package_name":"com.houtai.pickitchen"}}',
      GOOGLE_SERVICE_ACCOUNT_JSON:
        '{"type":"service_account","client_email":"a@b.iam","private_key":"-----BEGIN PRIVATE KEY-----"}',
      WECHAT_MINI_PROGRAMS: '{"diary":{"app_id":"wx1","app_secret":"s"}}',
      AI_MODELS: '{"default":["qwen-max"]}',
      AI_DAILY_QUOTAS: '{"coach":5}',
    });
    expect(c.apple.apps).toEqual({
      pickitchen: { bundleId: 'com.houtai.pickitchen', appAppleId: 1234567890, environment: 'Production' },
    });
    expect(c.google.apps).toEqual({ pickitchen: { packageName: 'com.houtai.pickitchen' } });
    expect(c.google.serviceAccount).toEqual({
      client_email: 'a@b.iam',
      private_key: '-----BEGIN PRIVATE KEY-----',
      token_uri: 'https://oauth2.googleapis.com/token',
    });
    expect(c.wechat.programs).toEqual({ diary: { appId: 'wx1', appSecret: 's' } });
    expect(c.ai.models).toEqual({ default: ['qwen-max'] });
    expect(c.ai.dailyQuotas).toEqual({ coach: 5 });

    const empty = loadConfig({ ...base, ...Object.fromEntries(JSON_SETTINGS.map((name) => [name, ''])) });
    expect(empty.apple.apps).toEqual({});
    expect(empty.google).toMatchObject({ apps: {}, serviceAccount: undefined });
    expect(empty.wechat.programs).toEqual({});
    expect(empty.ai).toMatchObject({
      models: { default: ['qwen-plus', 'qwen-turbo'] },
      prices: {},
      dailyQuotas: { default: 200 },
    });
  });
});

describe('the local gateway', () => {
  it('reads settings it shares with the functions (URL, keys) by the same reader, all bad ones in one error', () => {
    expect(loadProjectSettings({ SUPABASE_URL: 'http://127.0.0.1:9999', JWT_SECRET: base.JWT_SECRET }).supabaseUrl)
      .toBe('http://127.0.0.1:9999');
    expect(() => loadProjectSettings({ SUPABASE_URL: 'localhost', SUPABASE_JWKS: '{keys' })).toThrowError(
      /^Invalid configuration:\n {2}SUPABASE_URL: .+\n {2}SUPABASE_JWKS: not valid JSON \(.+\)$/,
    );
  });

  it("reports its Auth emulator's bad overrides as the functions' settings are reported", () => {
    expect(() => authSettings({}, { AUTH_BCRYPT_COST: '99', TRUSTED_PROXY_HOPS: 'many' })).toThrowError(
      /^Invalid configuration:\n {2}AUTH_BCRYPT_COST: .+\n {2}TRUSTED_PROXY_HOPS: .+$/,
    );
  });
});
