// What the Auth emulator's route modules share: its database, settings and token settings, the limiter, the mailer,
// and the request helpers (the client's address, the body, rate limits, the bearer's user, GoTrue's refusals, SMS
// codes).
import bcrypt from 'bcryptjs';
import { type Context } from 'hono';
import { type JWK, type JWTPayload, jwtVerify } from 'jose';
import type postgres from 'postgres';
import type { AuthSettings } from './config.ts';
import { AuthError, validation } from './errors.ts';
import { requireGap, WindowLimiter } from './rate-limit.ts';
import { bearerOf } from '../../../functions/_shared/bearer.ts';
import { jwtKeyResolver } from '../../../functions/_shared/jwt.ts';
import { clientIp } from '../../../functions/_shared/rate-limit.ts';
import { emailOtp } from './email-otp.ts';
import { printMailer, type SendMail, smtpMailer } from './mailer.ts';
import { replaceOneTimeToken } from './one-time-tokens.ts';
import { generateOtp, otpHash, sendSmsHook } from './otp.ts';
import { redirectTarget } from './redirect.ts';
import { sessionExists, type TokenSettings } from './sessions.ts';
import { jwksOf } from './signing-key.ts';
import { findUser, identitiesOf, userJson, type UserRow } from './users.ts';

export interface AuthEmulatorDeps {
  sql: postgres.Sql;
  settings: AuthSettings;
  /** The legacy HS256 secret: the anon / service_role API keys are signed with it, and still verify. */
  jwtSecret: string;
  /** The private ES256 key user tokens are signed with; its public half is served as the JWKS. */
  signingKey: JWK;
  /** The public URL of this Auth server (token `iss`): <API_URL>/auth/v1. */
  issuer: string;
  /** Where codes go when no send-SMS hook is configured. */
  printOtp?: (phone: string, otp: string) => void;
  /** Where mails go instead of [auth.email.smtp]'s server. */
  sendMail?: SendMail;
}

export type Body = Record<string, unknown>;
export const FIVE_MINUTES = 300;
export const HOUR = 3600;
export const DAY = 86_400;

/** The auth.users columns each kind of SMS code is kept in. */
const PHONE_OTP = {
  confirmation: { column: 'confirmation_token', sentAt: 'confirmation_sent_at' },
  phone_change: { column: 'phone_change_token', sentAt: 'phone_change_sent_at' },
  reauthentication: { column: 'reauthentication_token', sentAt: 'reauthentication_sent_at' },
} as const;

export function emulatorContext(deps: AuthEmulatorDeps) {
  const { sql, settings } = deps;
  const jwks = jwksOf(deps.signingKey);
  const verification = jwtKeyResolver({ secret: deps.jwtSecret, jwks });
  const tokens: TokenSettings = {
    signingKey: deps.signingKey,
    issuer: deps.issuer,
    jwtExpiry: settings.jwtExpiry,
    refreshTokenReuseInterval: settings.refreshTokenReuseInterval,
  };
  const limiter = new WindowLimiter();
  const otpFailures = new Map<string, number>();
  const mail = emailOtp({
    settings,
    sendMail: deps.sendMail ?? (settings.smtp ? smtpMailer(settings.smtp) : printMailer),
    limiter,
    verifyUrl: `${deps.issuer}/verify`,
  });
  // --- request helpers ------------------------------------------------------------------------------------

  // The client's address, for sessions and rate limits alike, by the functions' rule: the entry the trusted proxies
  // appended, never one further left that the client wrote itself (GoTrue takes the first, which a client picks).
  const client = (c: Context) => ({
    ip: clientIp(c.req.header('x-forwarded-for'), settings.trustedProxyHops),
    userAgent: c.req.header('user-agent'),
  });

  async function readBody(c: Context): Promise<Body> {
    const text = await c.req.text();
    if (!text) return {};
    try {
      const parsed = JSON.parse(text);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Body;
    } catch {
      // fall through
    }
    throw validation('Could not parse request body as JSON');
  }

  function limit(key: string, max: number, windowSeconds: number) {
    if (!limiter.hit(key, max, windowSeconds)) {
      throw new AuthError(429, 'over_request_rate_limit', 'Request rate limit reached');
    }
  }

  /** A per-address limit; like GoTrue's, it applies only when the caller's address is known. */
  function limitAddress(kind: string, ip: string | undefined, max: number, windowSeconds: number) {
    if (ip) limit(`${kind}:${ip}`, max, windowSeconds);
  }

  /** The request's redirect_to if GoTrue would follow it, else SITE_URL. */
  const redirectTo = (c: Context) =>
    redirectTarget(c.req.query('redirect_to'), settings.siteUrl, settings.additionalRedirectUrls);

  async function verifyBearer(c: Context) {
    const token = bearerOf(c.req.header('authorization'));
    if (!token) throw new AuthError(401, 'no_authorization', 'This endpoint requires a Bearer token');
    try {
      return (await jwtVerify(token, verification.key, { algorithms: verification.algorithms })).payload;
    } catch (err) {
      throw new AuthError(
        403,
        'bad_jwt',
        `invalid JWT: unable to parse or verify signature, ${(err as Error).message}`,
      );
    }
  }

  /** The signed-in user behind the bearer token, with GoTrue's 401/403 rules. */
  async function bearerUser(c: Context): Promise<{ user: UserRow; sessionId: string; claims: JWTPayload }> {
    const claims = await verifyBearer(c);
    if (typeof claims.sub !== 'string' || claims.sub === '') {
      throw new AuthError(403, 'bad_jwt', 'invalid claim: missing sub claim');
    }
    const user = await findUser(sql, { id: claims.sub });
    if (!user) throw new AuthError(403, 'user_not_found', 'User from sub claim in JWT does not exist');
    const sessionId = String(claims.session_id ?? '');
    if (!sessionId || !(await sessionExists(sql, sessionId))) {
      throw new AuthError(403, 'session_not_found', 'Session from session_id claim in JWT does not exist');
    }
    if (user.banned_until && new Date(user.banned_until) > new Date()) {
      throw new AuthError(403, 'user_banned', 'User is banned');
    }
    return { user, sessionId, claims };
  }

  /** GoTrue refuses a provider the project turns off ([auth.email] / [auth.sms] enabled in config.toml). */
  function requireProvider(kind: 'email' | 'phone', status: 400 | 422) {
    if (kind === 'email' ? settings.emailProvider : settings.phoneProvider) return;
    throw new AuthError(
      status,
      `${kind}_provider_disabled`,
      kind === 'email' ? 'Email logins are disabled' : 'Phone logins are disabled',
    );
  }

  async function requireAdmin(c: Context) {
    const claims = await verifyBearer(c);
    if (claims.role !== 'service_role' && claims.role !== 'supabase_admin') {
      throw new AuthError(403, 'not_admin', 'User not allowed');
    }
  }

  const hashPassword = (password: string) => bcrypt.hash(password, settings.bcryptCost);

  /**
   * Sends a code to `phone` for confirming the user's phone, a phone change, or (reauthentication) a sensitive change,
   * storing its hash the way GoTrue does. Runs inside the caller's transaction: if delivery fails, nothing is kept.
   */
  async function sendPhoneOtp(
    tx: postgres.TransactionSql,
    user: UserRow,
    phone: string,
    kind: keyof typeof PHONE_OTP,
    ip?: string,
  ) {
    const { column, sentAt } = PHONE_OTP[kind];
    requireGap(user[sentAt], settings.smsMaxFrequency, 'over_sms_send_rate_limit');
    if (!settings.phoneAutoconfirm && !limiter.hit('sms:global', settings.rateLimits.smsSent, HOUR)) {
      throw new AuthError(429, 'over_sms_send_rate_limit', 'SMS rate limit exceeded');
    }
    const otp = generateOtp(settings.smsOtpLength);
    const hash = otpHash(phone, otp);
    const [updated] = await tx<UserRow[]>`
      update auth.users set ${tx(column)} = ${hash}, ${tx(sentAt)} = now(), updated_at = now(),
             phone_change = coalesce(${kind === 'phone_change' ? phone : null}::text, phone_change)
       where id = ${user.id} returning *`;
    await replaceOneTimeToken(tx, user.id, column, hash, phone);
    otpFailures.delete(`${kind}:${phone}`);
    if (settings.sendSmsHook) {
      await sendSmsHook(settings.sendSmsHook, {
        user: userJson(updated, await identitiesOf(tx, user.id)),
        phone,
        otp,
        ip,
      });
    } else {
      (deps.printOtp ?? ((p, o) => console.log(`[auth emulator] SMS code for +${p}: ${o}`)))(phone, otp);
    }
    return updated;
  }

  return {
    sql,
    settings,
    deps,
    jwks,
    tokens,
    limiter,
    otpFailures,
    mail,
    client,
    readBody,
    limit,
    limitAddress,
    redirectTo,
    verifyBearer,
    bearerUser,
    requireProvider,
    requireAdmin,
    hashPassword,
    sendPhoneOtp,
  };
}

export type EmulatorContext = ReturnType<typeof emulatorContext>;
