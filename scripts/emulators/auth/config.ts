// Settings of the local Auth emulator: supabase/config.toml's [auth] section (what `supabase start` would
// give GoTrue), with environment overrides for tests that need other limits.
import { z } from 'zod';
import { TrustedProxyHops } from '../../../functions/_shared/env.ts';
import { readEnv } from '../../../functions/_shared/env-reader.ts';
import { type AuthToml, LOCAL_SITE_URL, resolveEnv, type SmtpToml } from '../../stack/project.ts';
import { type MfaSettings, mfaSettings } from './mfa-settings.ts';
import { type IdentitySettings, identitySettings } from './identity-settings.ts';

// No default here: an unset override falls back to config.toml's value, then GoTrue's default (authSettings).
const count = z.coerce.number().int().min(0).optional();

export interface AuthSettings {
  siteUrl: string;
  /** [auth] additional_redirect_urls: where mailed links may send the browser besides site_url. */
  additionalRedirectUrls: string[];
  jwtExpiry: number;
  refreshTokenReuseInterval: number;
  enableSignup: boolean;
  enableAnonymousSignIns: boolean;
  /** Email and phone sign-up and sign-in: [auth.email] and [auth.sms] enabled (GoTrue's external providers). */
  emailProvider: boolean;
  phoneProvider: boolean;
  minimumPasswordLength: number;
  /** Mailer autoconfirm: [auth.email] enable_confirmations off. */
  emailAutoconfirm: boolean;
  email: EmailSettings;
  /** [auth.email.smtp]; without it mails are printed, as codes are without the SMS hook. */
  smtp?: SmtpSettings;
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
    /** all mails per hour */
    emailSent: number;
    /** password sign-ins per identifier (email/phone) per 5 minutes */
    signInPerIdentifier: number;
  };
  sendSmsHook?: { uri: string; secrets: string };
  /** [auth.mfa]: TOTP factors. */
  mfa: MfaSettings;
  /** ID-token providers ([auth.external.apple], [auth.external.google]) and manual linking. */
  identities: IdentitySettings;
}

export interface EmailSettings {
  otpLength: number;
  /** Seconds a mailed link or code stays valid. */
  otpExpiry: number;
  /** Seconds between two mails of one kind to one user. */
  maxFrequency: number;
  /** An email change waits for the code or link sent to the old address as well as the new one's. */
  doubleConfirmChanges: boolean;
  /** A password change of a session older than 24 h needs a nonce from /reauthenticate. */
  securePasswordChange: boolean;
}

export interface SmtpSettings {
  host: string;
  port: number;
  user?: string;
  pass?: string;
  /** The From address. */
  adminEmail: string;
  senderName?: string;
}

/** "60s", "5m", "1h" → seconds. */
function seconds(value: unknown, fallback: number): number {
  if (typeof value === 'number') return value;
  const m = /^(\d+)(s|m|h)?$/.exec(String(value ?? ''));
  if (!m) return fallback;
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
}

const envSchema = z.object({
  AUTH_RATE_LIMIT_SIGN_IN_SIGN_UPS: count,
  AUTH_RATE_LIMIT_TOKEN_REFRESH: count,
  AUTH_RATE_LIMIT_TOKEN_VERIFICATIONS: count,
  AUTH_RATE_LIMIT_ANONYMOUS_USERS: count,
  AUTH_RATE_LIMIT_SMS_SENT: count,
  AUTH_RATE_LIMIT_EMAIL_SENT: count,
  /** The local mail catcher's SMTP port, which config.toml cannot take from env() (its port is production's). */
  AUTH_SMTP_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  AUTH_RATE_LIMIT_SIGN_IN_PER_IDENTIFIER: count,
  AUTH_SMS_MAX_FREQUENCY: z.string().optional(),
  AUTH_SMS_OTP_EXPIRY: count,
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
    siteUrl: resolveEnv(auth.site_url, env) ?? LOCAL_SITE_URL,
    additionalRedirectUrls: auth.additional_redirect_urls ?? [],
    jwtExpiry: auth.jwt_expiry ?? 3600,
    refreshTokenReuseInterval: auth.refresh_token_reuse_interval ?? 10,
    enableSignup: auth.enable_signup ?? true,
    enableAnonymousSignIns: auth.enable_anonymous_sign_ins ?? false,
    emailProvider: auth.email?.enabled ?? true,
    phoneProvider: auth.sms?.enabled ?? false,
    minimumPasswordLength: auth.minimum_password_length ?? 6,
    emailAutoconfirm: !(auth.email?.enable_confirmations ?? false),
    email: {
      otpLength: auth.email?.otp_length ?? 6,
      otpExpiry: auth.email?.otp_expiry ?? 3600,
      maxFrequency: seconds(auth.email?.max_frequency, 60),
      doubleConfirmChanges: auth.email?.double_confirm_changes ?? true,
      securePasswordChange: auth.email?.secure_password_change ?? false,
    },
    smtp: smtpSettings(auth.email?.smtp, env, e.AUTH_SMTP_PORT),
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
      emailSent: e.AUTH_RATE_LIMIT_EMAIL_SENT ?? rl.email_sent ?? 30,
      signInPerIdentifier: e.AUTH_RATE_LIMIT_SIGN_IN_PER_IDENTIFIER ?? 30,
    },
    // Without the hook's address and secret in the environment, codes are printed instead of sent.
    sendSmsHook: hookConf.enabled && hookUri && hookSecrets ? { uri: hookUri, secrets: hookSecrets } : undefined,
    mfa: mfaSettings(auth.mfa),
    identities: identitySettings(auth, env),
  };
}

/** [auth.email.smtp] with its env(NAME) values filled in; undefined when it is off or names no host or sender. */
function smtpSettings(
  smtp: SmtpToml | undefined,
  env: Record<string, string | undefined>,
  portOverride: number | undefined,
): SmtpSettings | undefined {
  if (!smtp || smtp.enabled === false) return undefined;
  const host = resolveEnv(smtp.host, env);
  const adminEmail = resolveEnv(smtp.admin_email, env);
  if (!host || !adminEmail) return undefined;
  return {
    host,
    port: portOverride ?? Number(smtp.port ?? 587),
    user: resolveEnv(smtp.user, env),
    pass: resolveEnv(smtp.pass, env),
    adminEmail,
    senderName: resolveEnv(smtp.sender_name, env),
  };
}
