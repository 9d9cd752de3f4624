// Settings of the local Auth emulator: supabase/config.toml's [auth] section (what `supabase start` would
// give GoTrue), with environment overrides for tests that need other limits.
import { z } from 'zod';
import { TrustedProxyHops } from '../../../functions/_shared/env.ts';
import { readEnv } from '../../../functions/_shared/env-reader.ts';
import { type AuthToml, resolveEnv } from '../../stack/project.ts';

const num = (fallback: number) => z.coerce.number().int().min(0).default(fallback);

export interface AuthSettings {
  siteUrl: string;
  jwtExpiry: number;
  refreshTokenReuseInterval: number;
  enableSignup: boolean;
  enableAnonymousSignIns: boolean;
  /** Email and phone sign-up and sign-in: [auth.email] and [auth.sms] enabled (GoTrue's external providers). */
  emailProvider: boolean;
  phoneProvider: boolean;
  minimumPasswordLength: number;
  emailAutoconfirm: boolean;
  phoneAutoconfirm: boolean;
  smsOtpExpiry: number;
  smsOtpLength: number;
  smsMaxFrequency: number;
  otpMaxAttempts: number;
  bcryptCost: number;
  /** Proxies in front of Auth that append to X-Forwarded-For: the functions' TRUSTED_PROXY_HOPS, same rule. */
  trustedProxyHops: number;
  rateLimits: {
    /** per IP per 5 minutes */
    signInSignUps: number;
    tokenRefresh: number;
    tokenVerifications: number;
    /** per IP per hour */
    anonymousUsers: number;
    /** all phones per hour */
    smsSent: number;
    /** password sign-ins per identifier (email/phone) per 5 minutes */
    signInPerIdentifier: number;
  };
  sendSmsHook?: { uri: string; secrets: string };
}

/** "60s", "5m", "1h" → seconds. */
function seconds(value: unknown, fallback: number): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)(s|m|h)?$/.exec(String(value ?? ''));
  if (!m) return fallback;
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
}

const envSchema = z.object({
  AUTH_RATE_LIMIT_SIGN_IN_SIGN_UPS: num(30).optional(),
  AUTH_RATE_LIMIT_TOKEN_REFRESH: num(150).optional(),
  AUTH_RATE_LIMIT_TOKEN_VERIFICATIONS: num(30).optional(),
  AUTH_RATE_LIMIT_ANONYMOUS_USERS: num(30).optional(),
  AUTH_RATE_LIMIT_SMS_SENT: num(30).optional(),
  AUTH_RATE_LIMIT_SIGN_IN_PER_IDENTIFIER: num(30).optional(),
  AUTH_SMS_MAX_FREQUENCY: z.string().optional(),
  AUTH_SMS_OTP_EXPIRY: num(60).optional(),
  AUTH_BCRYPT_COST: z.coerce.number().int().min(4).max(14).optional(),
  TRUSTED_PROXY_HOPS: TrustedProxyHops,
});

/**
 * `auth` is config.toml's [auth] section; `env` is the emulator's environment, which also fills in the section's
 * env(NAME) values (the send-SMS hook's address and secret) as the Supabase CLI does.
 */
export function authSettings(auth: AuthToml, env: Record<string, string | undefined>): AuthSettings {
  const e = readEnv(envSchema, env);
  const rl = auth.rate_limit ?? {};
  const hookConf = auth.hook?.send_sms ?? {};
  const hookUri = resolveEnv(hookConf.uri, env);
  const hookSecrets = resolveEnv(hookConf.secrets, env);
  return {
    siteUrl: auth.site_url ?? 'http://127.0.0.1:3000',
    jwtExpiry: auth.jwt_expiry ?? 3600,
    refreshTokenReuseInterval: auth.refresh_token_reuse_interval ?? 10,
    enableSignup: auth.enable_signup ?? true,
    enableAnonymousSignIns: auth.enable_anonymous_sign_ins ?? false,
    emailProvider: auth.email?.enabled ?? true,
    phoneProvider: auth.sms?.enabled ?? false,
    minimumPasswordLength: auth.minimum_password_length ?? 6,
    // No mailer runs locally: an email sign-up or change is confirmed at once, as if its link had been followed,
    // whatever [auth.email] enable_confirmations asks of the hosted project.
    emailAutoconfirm: true,
    phoneAutoconfirm: !(auth.sms?.enable_confirmations ?? false),
    smsOtpExpiry: e.AUTH_SMS_OTP_EXPIRY ?? auth.sms?.otp_expiry ?? 60,
    smsOtpLength: 6,
    smsMaxFrequency: seconds(e.AUTH_SMS_MAX_FREQUENCY ?? auth.sms?.max_frequency, 60),
    otpMaxAttempts: 5,
    bcryptCost: e.AUTH_BCRYPT_COST ?? 10,
    trustedProxyHops: e.TRUSTED_PROXY_HOPS,
    rateLimits: {
      signInSignUps: e.AUTH_RATE_LIMIT_SIGN_IN_SIGN_UPS ?? rl.sign_in_sign_ups ?? 30,
      tokenRefresh: e.AUTH_RATE_LIMIT_TOKEN_REFRESH ?? rl.token_refresh ?? 150,
      tokenVerifications: e.AUTH_RATE_LIMIT_TOKEN_VERIFICATIONS ?? rl.token_verifications ?? 30,
      anonymousUsers: e.AUTH_RATE_LIMIT_ANONYMOUS_USERS ?? rl.anonymous_users ?? 30,
      smsSent: e.AUTH_RATE_LIMIT_SMS_SENT ?? rl.sms_sent ?? 30,
      signInPerIdentifier: e.AUTH_RATE_LIMIT_SIGN_IN_PER_IDENTIFIER ?? 30,
    },
    // Without the hook's address and secret in the environment, codes are printed instead of sent.
    sendSmsHook: hookConf.enabled && hookUri && hookSecrets ? { uri: hookUri, secrets: hookSecrets } : undefined,
  };
}
