// Local emulator of the Supabase Auth (GoTrue) REST API subset our apps and functions use, served at
// /auth/v1 by the local gateway. FOR DEVELOPMENT AND TESTS ONLY: production uses Supabase Auth itself.
// Behaviour follows GoTrue's handlers (supabase/auth) and supabase-js' auth client (docs/decisions.md) and writes the
// same auth.* tables, so what our SQL and functions see is what they will see on Supabase.
import bcrypt from 'bcryptjs';
import { type Context, Hono } from 'hono';
import { type JWK, type JWTPayload, jwtVerify } from 'jose';
import type postgres from 'postgres';
import type { AuthSettings } from './config.ts';
import { AuthError, errorResponse, validation } from './errors.ts';
import { requireGap, WindowLimiter } from './rate-limit.ts';
import { bearerOf } from '../../../functions/_shared/bearer.ts';
import { jwtKeyResolver } from '../../../functions/_shared/jwt.ts';
import { clientIp } from '../../../functions/_shared/rate-limit.ts';
import { emailOtp, VERIFY_COLUMNS } from './email-otp.ts';
import { printMailer, type SendMail, smtpMailer } from './mailer.ts';
import { mfaRoutes } from './mfa.ts';
import { clearOneTimeTokens, replaceOneTimeToken } from './one-time-tokens.ts';
import { generateOtp, otpHash, sendSmsHook } from './otp.ts';
import {
  codeChallengeOf,
  exchangeAuthCode,
  type FlowMethod,
  flowMethodOfLink,
  issueAuthCode,
  PKCE_PREFIX,
} from './pkce.ts';
import { redirectTarget, redirectWith } from './redirect.ts';
import { adminLinks } from './admin-links.ts';
import { idTokenGrant } from './id-token.ts';
import { identityRoutes } from './identities.ts';
import { oauthRedirects } from './oauth.ts';
import { oidcDiscovery } from './oidc-discovery.ts';
import { issueSession, refreshSession, sessionExists, type TokenSettings } from './sessions.ts';
import { jwksOf } from './signing-key.ts';
import {
  addIdentity,
  createUser,
  findUser,
  identitiesOf,
  loadUserJson,
  refreshProviders,
  updateMetadata,
  userJson,
  type UserRow,
} from './users.ts';
import { paginationOf } from './pagination.ts';
import { checkPassword, isObject, normalizeEmail, normalizePhone, randomPassword, str } from './validate.ts';

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

type Body = Record<string, unknown>;
const FIVE_MINUTES = 300;
const HOUR = 3600;
const DAY = 86_400;

/** The auth.users columns each kind of SMS code is kept in. */
const PHONE_OTP = {
  confirmation: { column: 'confirmation_token', sentAt: 'confirmation_sent_at' },
  phone_change: { column: 'phone_change_token', sentAt: 'phone_change_sent_at' },
  reauthentication: { column: 'reauthentication_token', sentAt: 'reauthentication_sent_at' },
} as const;

export function createAuthEmulator(deps: AuthEmulatorDeps) {
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
  const app = new Hono().basePath('/auth/v1');

  app.onError((err, c) => {
    if (err instanceof AuthError) return errorResponse(c, err);
    console.error('[auth emulator]', err);
    return errorResponse(
      c,
      new AuthError(500, 'unexpected_failure', 'Unexpected failure, please check server logs for more information'),
    );
  });
  app.notFound((c) =>
    errorResponse(c, new AuthError(404, 'not_found', 'Not found: this path is not part of the local Auth emulator'))
  );

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

  /** GoTrue's answer to a sign-up of an address already confirmed: a look-alike user, so it reveals nothing. */
  const lookAlike = (existing: UserRow) => ({ ...userJson(existing, []), id: crypto.randomUUID(), identities: [] });

  // --- end-user endpoints -----------------------------------------------------------------------------------

  app.get(
    '/health',
    (c) =>
      c.json({
        version: 'v2.177.0-houtai-emulator',
        name: 'GoTrue',
        description: 'GoTrue is a user registration and authentication API',
      }),
  );

  // Public keys only, cached by clients for ten minutes as GoTrue tells them (supabase-js getClaims reads it).
  app.get('/.well-known/jwks.json', (c) => c.json(jwks, 200, { 'cache-control': 'public, max-age=600' }));

  app.get('/settings', (c) =>
    c.json({
      external: {
        anonymous_users: settings.enableAnonymousSignIns,
        email: settings.emailProvider,
        phone: settings.phoneProvider,
        apple: settings.identities.providers.apple.enabled,
        google: settings.identities.providers.google.enabled,
      },
      disable_signup: !settings.enableSignup,
      mailer_autoconfirm: settings.emailAutoconfirm,
      phone_autoconfirm: settings.phoneAutoconfirm,
      sms_provider: settings.sendSmsHook ? 'hook' : 'console',
      saml_enabled: false,
    }));

  app.post('/signup', async (c) => {
    const b = await readBody(c);
    const { ip } = client(c);
    const email = str(b.email);
    const phoneIn = str(b.phone);
    const data = (b.data && typeof b.data === 'object' ? b.data : {}) as Record<string, unknown>;

    if (!email && !phoneIn) {
      if (!settings.enableAnonymousSignIns) {
        throw new AuthError(422, 'anonymous_provider_disabled', 'Anonymous sign-ins are disabled');
      }
      if (!settings.enableSignup) throw new AuthError(422, 'signup_disabled', 'Signups not allowed for this instance');
      limitAddress('anon', ip, settings.rateLimits.anonymousUsers, HOUR);
      const session = await sql.begin(async (tx) => {
        const user = await createUser(tx, { isAnonymous: true, userMetadata: data });
        return issueSession(tx, tokens, user, 'anonymous', client(c));
      });
      return c.json(session);
    }

    limitAddress('signup', ip, settings.rateLimits.signInSignUps, FIVE_MINUTES);
    if (!settings.enableSignup) throw new AuthError(422, 'signup_disabled', 'Signups not allowed for this instance');
    const password = checkPassword(b.password, settings.minimumPasswordLength);
    if (email && phoneIn) throw validation('Only an email address or phone number should be provided on signup.');
    requireProvider(email ? 'email' : 'phone', 400);
    if (phoneIn && b.code_challenge) throw validation('PKCE not supported for phone signups');
    const pkce = codeChallengeOf(b);

    const result = await sql.begin(async (tx) => {
      if (email) {
        const address = normalizeEmail(email);
        const existing = await findUser(tx, { email: address });
        if (existing?.email_confirmed_at) {
          if (settings.emailAutoconfirm || settings.phoneAutoconfirm) {
            throw new AuthError(422, 'user_already_exists', 'User already registered');
          }
          return { user: lookAlike(existing) };
        }
        const user = existing ?? await createUser(tx, {
          email: address,
          passwordHash: await hashPassword(password),
          emailConfirmed: settings.emailAutoconfirm,
          userMetadata: data,
        });
        if (settings.emailAutoconfirm) return { session: await issueSession(tx, tokens, user, 'password', client(c)) };
        // Unconfirmed, new or not: the confirmation mail (again), the user left as it was.
        await mail.send(tx, user, 'signup', { redirectTo: redirectTo(c), pkce });
        return { user: await loadUserJson(tx, user.id) };
      }
      const phone = normalizePhone(phoneIn!);
      const existing = await findUser(tx, { phone });
      if (existing?.phone_confirmed_at) {
        if (settings.phoneAutoconfirm) throw new AuthError(422, 'user_already_exists', 'User already registered');
        return { user: lookAlike(existing) };
      }
      if (existing) {
        const resent = await sendPhoneOtp(tx, existing, phone, 'confirmation', ip);
        return { user: userJson(resent, await identitiesOf(tx, resent.id)) };
      }
      const user = await createUser(tx, {
        phone,
        passwordHash: await hashPassword(password),
        phoneConfirmed: settings.phoneAutoconfirm,
        userMetadata: data,
      });
      if (settings.phoneAutoconfirm) return { session: await issueSession(tx, tokens, user, 'password', client(c)) };
      const sent = await sendPhoneOtp(tx, user, phone, 'confirmation', ip);
      return { user: userJson(sent, await identitiesOf(tx, sent.id)) };
    });
    return c.json(result.session ?? result.user);
  });

  const sendConfirmation = (tx: postgres.TransactionSql, user: UserRow) =>
    mail.send(tx, user, 'signup', { redirectTo: settings.siteUrl });
  const discovery = oidcDiscovery(settings.identities.discoveryUrls);
  const idToken = idTokenGrant({
    sql,
    discovery,
    settings,
    tokens,
    bearerUser,
    client,
    sendConfirmation,
  });
  const oauth = oauthRedirects({
    sql,
    settings,
    tokens,
    discovery,
    issuer: deps.issuer,
    redirectTo,
    client,
    sendConfirmation,
  });

  // GoTrue's grants: password, refresh_token, id_token, pkce and web3.
  app.post('/token', async (c) => {
    const grant = c.req.query('grant_type');
    const b = await readBody(c);
    const { ip } = client(c);
    if (grant === 'refresh_token') {
      limitAddress('refresh', ip, settings.rateLimits.tokenRefresh, FIVE_MINUTES);
      const token = str(b.refresh_token);
      if (!token) throw validation('Refresh token is not valid');
      return c.json(await refreshSession(sql, tokens, token));
    }
    if (grant === 'pkce') {
      limitAddress('refresh', ip, settings.rateLimits.tokenRefresh, FIVE_MINUTES);
      return c.json(await exchangeAuthCode(sql, tokens, b, client(c)));
    }
    if (grant === 'id_token') {
      limitAddress('refresh', ip, settings.rateLimits.tokenRefresh, FIVE_MINUTES);
      return c.json(await idToken(c, b));
    }
    if (grant === 'web3') {
      // Sign-in with Solana or Ethereum wallets: both chains are off ([auth.web3.*]), behind their own 30 per 5 min.
      limitAddress('web3', ip, 30, FIVE_MINUTES);
      throw new AuthError(422, 'web3_provider_disabled', 'Web3 provider is disabled');
    }
    if (grant !== 'password') throw new AuthError(400, 'invalid_credentials', 'unsupported_grant_type');

    limitAddress('signin', ip, settings.rateLimits.signInSignUps, FIVE_MINUTES);
    const email = str(b.email);
    const phoneIn = str(b.phone);
    if ((email && phoneIn) || (!email && !phoneIn)) {
      throw validation('Only an email address or phone number should be provided');
    }
    requireProvider(email ? 'email' : 'phone', 422);
    const identifier = email ? email.trim().toLowerCase() : phoneIn!.replace(/[+\s]/g, '');
    limit(`signin:${identifier}`, settings.rateLimits.signInPerIdentifier, FIVE_MINUTES);

    const user = await findUser(sql, email ? { email: identifier } : { phone: identifier });
    const password = typeof b.password === 'string' ? b.password : '';
    const ok = !!user?.encrypted_password && (await bcrypt.compare(password, user.encrypted_password));
    if (!user || !ok) throw new AuthError(400, 'invalid_credentials', 'Invalid login credentials');
    if (user.banned_until && new Date(user.banned_until) > new Date()) {
      throw new AuthError(400, 'user_banned', 'User is banned');
    }
    if (email && !user.email_confirmed_at) throw new AuthError(400, 'email_not_confirmed', 'Email not confirmed');
    if (!email && !user.phone_confirmed_at) throw new AuthError(400, 'phone_not_confirmed', 'Phone not confirmed');
    const session = await sql.begin((tx) => issueSession(tx, tokens, user, 'password', client(c)));
    const weak = password.length < settings.minimumPasswordLength;
    return c.json(weak ? { ...session, weak_password: { message: 'Password is weak', reasons: ['length'] } } : session);
  });

  app.post('/otp', async (c) => {
    const b = await readBody(c);
    const { ip } = client(c);
    limitAddress('signup', ip, settings.rateLimits.signInSignUps, FIVE_MINUTES);
    const createIfMissing = b.create_user !== false;
    const data = (b.data && typeof b.data === 'object' ? b.data : {}) as Record<string, unknown>;
    const email = str(b.email);
    if (email) {
      if (str(b.phone)) throw validation('Only an email address or phone number should be provided');
      requireProvider('email', 422);
      const pkce = codeChallengeOf(b);
      const address = normalizeEmail(email);
      await sql.begin(async (tx) => {
        let user = await findUser(tx, { email: address });
        if (!user) {
          if (!createIfMissing) throw new AuthError(422, 'otp_disabled', 'Signups not allowed for otp');
          if (!settings.enableSignup) {
            throw new AuthError(422, 'signup_disabled', 'Signups not allowed for this instance');
          }
          user = await createUser(tx, {
            email: address,
            passwordHash: await hashPassword(randomPassword()),
            emailConfirmed: settings.emailAutoconfirm,
            userMetadata: data,
          });
        }
        // An unconfirmed address gets the sign-up confirmation (its code signs in too), a confirmed one a magic link.
        const action = user.email_confirmed_at ? 'magiclink' : 'signup';
        await mail.send(tx, user, action, { redirectTo: redirectTo(c), pkce });
      });
      return c.json({});
    }
    const phoneIn = str(b.phone);
    if (!phoneIn) throw validation('An email address or phone number is required');
    requireProvider('phone', 400);
    const phone = normalizePhone(phoneIn);
    await sql.begin(async (tx) => {
      let user = await findUser(tx, { phone });
      if (!user) {
        if (!createIfMissing) throw new AuthError(422, 'otp_disabled', 'Signups not allowed for otp');
        if (!settings.enableSignup) {
          throw new AuthError(422, 'signup_disabled', 'Signups not allowed for this instance');
        }
        user = await createUser(tx, { phone, passwordHash: await hashPassword(randomPassword()), userMetadata: data });
      }
      await sendPhoneOtp(tx, user, phone, 'confirmation', ip);
    });
    return c.json({});
  });

  app.post('/recover', async (c) => {
    const b = await readBody(c);
    limitAddress('signup', client(c).ip, settings.rateLimits.signInSignUps, FIVE_MINUTES);
    requireProvider('email', 400);
    const email = str(b.email);
    if (!email) throw validation('Password recovery requires an email');
    const address = normalizeEmail(email);
    const pkce = codeChallengeOf(b);
    await sql.begin(async (tx) => {
      // An unknown address gets the same answer and no mail: the answer must not tell who has an account.
      const user = await findUser(tx, { email: address });
      if (user) await mail.send(tx, user, 'recovery', { redirectTo: redirectTo(c), pkce });
    });
    return c.json({});
  });

  app.post('/resend', async (c) => {
    const b = await readBody(c);
    const { ip } = client(c);
    limitAddress('signup', ip, settings.rateLimits.signInSignUps, FIVE_MINUTES);
    const type = str(b.type) ?? '';
    if (!['signup', 'email_change', 'sms', 'phone_change'].includes(type)) {
      throw validation('Missing one of these types: signup, email_change, sms, phone_change');
    }
    const email = str(b.email);
    const phoneIn = str(b.phone);
    if (!email && type === 'signup') throw validation('Type provided requires an email address');
    if (!phoneIn && type === 'sms') throw validation('Type provided requires a phone number');
    if (email && phoneIn) throw validation('Only an email address or phone number should be provided.');
    if (!email && !phoneIn) throw validation('Missing email address or phone number');
    requireProvider(email ? 'email' : 'phone', 400);
    const pkce = email ? codeChallengeOf(b) : undefined;
    const by = email ? { email: normalizeEmail(email) } : { phone: normalizePhone(phoneIn!) };
    await sql.begin(async (tx) => {
      // Found by its current address, change types too; nothing pending or already confirmed → nothing sent.
      const user = await findUser(tx, by);
      if (!user) return;
      const redirect = { redirectTo: redirectTo(c), pkce };
      if (type === 'signup' && !user.email_confirmed_at) await mail.send(tx, user, 'signup', redirect);
      if (type === 'email_change' && user.email_change) {
        await mail.send(tx, user, 'email_change', { ...redirect, newEmail: user.email_change });
      }
      if (type === 'sms' && !user.phone_confirmed_at) await sendPhoneOtp(tx, user, user.phone!, 'confirmation', ip);
      if (type === 'phone_change' && user.phone_change) {
        await sendPhoneOtp(tx, user, user.phone_change, 'phone_change', ip);
      }
    });
    return c.json({});
  });

  app.get('/reauthenticate', async (c) => {
    const { user } = await bearerUser(c);
    if (!user.email && !user.phone) {
      throw validation('Reauthentication requires the user to have an email or a phone number');
    }
    if (user.email && !user.email_confirmed_at) {
      throw new AuthError(422, 'email_not_confirmed', 'Please verify your email first.');
    }
    if (!user.email && !user.phone_confirmed_at) {
      throw new AuthError(422, 'phone_not_confirmed', 'Please verify your phone first.');
    }
    await sql.begin(async (tx) => {
      if (user.email) await mail.send(tx, user, 'reauthentication', { redirectTo: settings.siteUrl });
      else await sendPhoneOtp(tx, user, user.phone!, 'reauthentication', client(c).ip);
    });
    return c.json({});
  });

  const invalidToken = () => new AuthError(403, 'otp_expired', 'Token has expired or is invalid');

  /** An SMS code (type sms or phone_change): the phone confirmed or changed, and a session. */
  async function verifyPhone(c: Context, type: 'sms' | 'phone_change', phoneIn: string | undefined, token: string) {
    const phone = normalizePhone(phoneIn ?? '');
    const failureKey = `${type === 'sms' ? 'confirmation' : 'phone_change'}:${phone}`;
    const session = await sql.begin(async (tx) => {
      const [user] = type === 'sms'
        ? await tx<UserRow[]>`select * from auth.users where phone = ${phone} and deleted_at is null for update`
        : await tx<UserRow[]>`select * from auth.users where phone_change = ${phone} and deleted_at is null for update`;
      if (!user) throw invalidToken();
      const stored = type === 'sms' ? user.confirmation_token : user.phone_change_token;
      const sentAt = type === 'sms' ? user.confirmation_sent_at : user.phone_change_sent_at;
      const fresh = !!sentAt && Date.now() - new Date(sentAt).getTime() <= settings.smsOtpExpiry * 1000;
      if (!stored || !fresh || stored !== otpHash(phone, token)) {
        // A code survives only a few wrong guesses; then a new one must be requested.
        const failures = (otpFailures.get(failureKey) ?? 0) + 1;
        otpFailures.set(failureKey, failures);
        if (failures >= settings.otpMaxAttempts && stored) return { burn: user.id, session: undefined };
        throw invalidToken();
      }
      if (user.banned_until && new Date(user.banned_until) > new Date()) {
        throw new AuthError(403, 'user_banned', 'User is banned');
      }
      otpFailures.delete(failureKey);
      const [confirmed] = type === 'sms'
        ? await tx<UserRow[]>`
              update auth.users set phone_confirmed_at = coalesce(phone_confirmed_at, now()), confirmation_token = '',
                     is_anonymous = false, updated_at = now(),
                     raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || '{"phone_verified": true}'
               where id = ${user.id} returning *`
        : await tx<UserRow[]>`
              update auth.users set phone = phone_change, phone_confirmed_at = now(), phone_change = '',
                     phone_change_token = '', is_anonymous = false, updated_at = now()
               where id = ${user.id} returning *`;
      await clearOneTimeTokens(tx, user.id, ['confirmation_token', 'phone_change_token']);
      await addIdentity(tx, confirmed, 'phone', phone, true);
      await refreshProviders(tx, confirmed.id);
      const [reloaded] = await tx<UserRow[]>`select * from auth.users where id = ${user.id}`;
      return { burn: undefined, session: await issueSession(tx, tokens, reloaded, 'otp', client(c)) };
    });
    if (session.burn) {
      if (type === 'sms') await sql`update auth.users set confirmation_token = '' where id = ${session.burn}`;
      else await sql`update auth.users set phone_change_token = '' where id = ${session.burn}`;
      throw invalidToken();
    }
    return session.session;
  }

  /**
   * A mailed code (with the address it went to) or link (its token hash): what it confirms is applied and a session
   * begins, except for the first half of a double-confirmed email change, which answers a message instead. A PKCE
   * link names its `flow`: it ends in that flow's auth code, which POST /token?grant_type=pkce trades for the session.
   */
  async function verifyEmail(
    c: Context,
    type: string,
    by: { email: string; token: string } | { tokenHash: string },
    flow?: FlowMethod,
  ) {
    return await sql.begin(async (tx) => {
      const found = await mail.find(tx, type, by);
      if (!found) {
        throw 'tokenHash' in by
          ? new AuthError(403, 'otp_expired', 'Email link is invalid or has expired')
          : invalidToken();
      }
      const { user, column } = found;
      if (user.banned_until && new Date(user.banned_until) > new Date()) {
        throw new AuthError(403, 'user_banned', 'User is banned');
      }
      if (column === 'email_change_token_current' || column === 'email_change_token_new') {
        const double = settings.email.doubleConfirmChanges && !settings.emailAutoconfirm;
        if (double && user.email && user.email_change_confirm_status === 0) {
          // One address confirmed: the change waits for the other's code or link.
          await tx`update auth.users set ${tx(column)} = '', email_change_confirm_status = 1, updated_at = now()
                   where id = ${user.id}`;
          await clearOneTimeTokens(tx, user.id, [column]);
          const msg = 'Confirmation link accepted. Please proceed to confirm link sent to the other email';
          return { message: { msg, code: '200' } };
        }
        await tx`update auth.users set email = email_change, email_confirmed_at = now(), email_change = '',
                 email_change_token_new = '', email_change_token_current = '', email_change_confirm_status = 0,
                 is_anonymous = false, updated_at = now(),
                 raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb)
                   || jsonb_build_object('email', email_change, 'email_verified', true)
                 where id = ${user.id}`;
        await addIdentity(tx, user, 'email', user.email_change!, true);
      } else {
        // A confirmation or recovery code: used up, and the address it reached is confirmed.
        await tx`update auth.users set ${tx(column)} = '', email_confirmed_at = coalesce(email_confirmed_at, now()),
                 raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || '{"email_verified": true}',
                 updated_at = now() where id = ${user.id}`;
        await addIdentity(tx, user, 'email', user.email!, true);
        if (column === 'confirmation_token' && user.invited_at && !user.encrypted_password) {
          // An invitee has no password yet: GoTrue gives it a random one, for the app to have the user replace.
          await tx`update auth.users set encrypted_password = ${await hashPassword(randomPassword())}
                   where id = ${user.id}`;
        }
      }
      await clearOneTimeTokens(tx, user.id);
      await refreshProviders(tx, user.id);
      if (flow) return { code: await issueAuthCode(tx, user.id, flow) };
      const [reloaded] = await tx<UserRow[]>`select * from auth.users where id = ${user.id}`;
      return { session: await issueSession(tx, tokens, reloaded, 'otp', client(c)) };
    });
  }

  app.post('/verify', async (c) => {
    const b = await readBody(c);
    limitAddress('verify', client(c).ip, settings.rateLimits.tokenVerifications, FIVE_MINUTES);
    const type = str(b.type) ?? '';
    const token = str(b.token);
    const tokenHash = str(b.token_hash);
    if (!token === !tokenHash) throw validation('Verify requires either a token or a token hash');
    if (type === 'sms' || type === 'phone_change') {
      if (!token) throw validation('Only an email address or phone number should be provided on verify');
      return c.json(await verifyPhone(c, type, str(b.phone), token));
    }
    if (!(type in VERIFY_COLUMNS)) throw validation('Verify requires a verification type');
    if (tokenHash && (str(b.email) || str(b.phone))) {
      throw validation('Only the token_hash and type should be provided');
    }
    let by: { email: string; token: string } | { tokenHash: string };
    if (tokenHash) by = { tokenHash };
    else {
      try {
        by = { email: normalizeEmail(str(b.email) ?? ''), token: token! };
      } catch {
        throw new AuthError(422, 'validation_failed', 'Unable to validate email address: invalid format');
      }
    }
    const result = await verifyEmail(c, type, by);
    return c.json(result.session ?? result.message);
  });

  // The link in a mail: on success a 303 to redirect_to with the session in the fragment (the implicit flow supabase-js
  // reads from the URL), on failure with the error there; as GoTrue answers a browser. A PKCE link (its token hash
  // starts with pkce_) sends `?code=<auth code>` instead, and its messages and errors in the query as well.
  app.get('/verify', async (c) => {
    const type = c.req.query('type') ?? '';
    const token = c.req.query('token') ?? '';
    if (!type || !token) throw validation('Verify requires a token and a type');
    limitAddress('verify', client(c).ip, settings.rateLimits.tokenVerifications, FIVE_MINUTES);
    const pkce = token.startsWith(PKCE_PREFIX);
    const back = (fields: Record<string, string>) =>
      c.redirect(redirectWith(redirectTo(c), { fragment: { ...fields, sb: '' }, query: pkce ? fields : {} }), 303);
    try {
      if (!(type in VERIFY_COLUMNS)) throw validation('Verify requires a verification type');
      const flow = pkce ? flowMethodOfLink(type) : undefined;
      if (pkce && !flow) throw validation(`Unsupported verification type for a PKCE link: ${type}`);
      const result = await verifyEmail(c, type, { tokenHash: token }, flow);
      if (result.code) return c.redirect(redirectWith(redirectTo(c), { query: { code: result.code } }), 303);
      if (!result.session) return back({ message: result.message!.msg });
      const s = result.session;
      return back({
        access_token: s.access_token,
        expires_at: String(s.expires_at),
        expires_in: String(s.expires_in),
        refresh_token: s.refresh_token,
        token_type: 'bearer',
        type,
      });
    } catch (err) {
      if (!(err instanceof AuthError)) throw err;
      const error = err.status >= 500 ? 'server_error' : err.status === 403 ? 'access_denied' : 'invalid_request';
      return back({ error, error_code: err.code, error_description: err.message });
    }
  });

  app.post('/logout', async (c) => {
    const scope = c.req.query('scope') ?? 'global';
    if (!['global', 'local', 'others'].includes(scope)) throw validation(`Unsupported logout scope "${scope}"`);
    const { user, sessionId } = await bearerUser(c);
    if (scope === 'local') await sql`delete from auth.sessions where id = ${sessionId}`;
    else if (scope === 'others') await sql`delete from auth.sessions where user_id = ${user.id} and id <> ${sessionId}`;
    else await sql`delete from auth.sessions where user_id = ${user.id}`;
    return c.body(null, 204);
  });

  app.get('/user', async (c) => {
    const { user } = await bearerUser(c);
    return c.json(await loadUserJson(sql, user.id));
  });

  async function sessionAge(sessionId: string): Promise<number> {
    const [row] = await sql<{ age: number }[]>`
      select extract(epoch from now() - created_at)::float8 as age from auth.sessions where id = ${sessionId}`;
    return row?.age ?? Infinity;
  }

  /** Checks a /reauthenticate nonce and uses it up, committed even if the change it allows then fails (GoTrue). */
  async function useReauthenticationNonce(user: UserRow, nonce: string) {
    const address = user.email || user.phone;
    const expiry = user.email ? settings.email.otpExpiry : settings.smsOtpExpiry;
    const sentAt = user.reauthentication_sent_at;
    const valid = !!address && !!user.reauthentication_token && !!sentAt &&
      Date.now() - new Date(sentAt).getTime() <= expiry * 1000 &&
      user.reauthentication_token === otpHash(address, nonce);
    if (!valid) throw new AuthError(422, 'reauthentication_not_valid', 'Nonce has expired or is invalid');
    await sql.begin(async (tx) => {
      await tx`update auth.users set reauthentication_token = '' where id = ${user.id}`;
      await clearOneTimeTokens(tx, user.id);
    });
  }

  app.put('/user', async (c) => {
    const { user, sessionId } = await bearerUser(c);
    const b = await readBody(c);
    const { ip } = client(c);
    limitAddress('signup', ip, settings.rateLimits.signInSignUps, FIVE_MINUTES);
    if (b.app_metadata !== undefined) {
      throw new AuthError(403, 'not_admin', 'Updating app_metadata requires admin privileges');
    }
    const email = str(b.email) ? normalizeEmail(str(b.email)!) : undefined;
    const phone = str(b.phone) ? normalizePhone(str(b.phone)!) : undefined;
    const pkce = email ? codeChallengeOf(b) : undefined;
    if (b.password !== undefined && settings.email.securePasswordChange && (await sessionAge(sessionId)) > DAY) {
      const nonce = str(b.nonce);
      if (!nonce) throw new AuthError(400, 'reauthentication_needed', 'Password update requires reauthentication');
      await useReauthenticationNonce(user, nonce);
    }

    await sql.begin(async (tx) => {
      if (isObject(b.data)) await updateMetadata(tx, user.id, 'raw_user_meta_data', b.data);
      if (b.password !== undefined) {
        const password = checkPassword(b.password, settings.minimumPasswordLength);
        if (user.is_anonymous && !email && !phone) {
          throw new AuthError(
            422,
            'validation_failed',
            'Updating password of an anonymous user without an email or phone is not allowed',
          );
        }
        if (user.encrypted_password && (await bcrypt.compare(password, user.encrypted_password))) {
          throw new AuthError(422, 'same_password', 'New password should be different from the old password.');
        }
        const hash = await hashPassword(password);
        await tx`update auth.users set encrypted_password = ${hash}, updated_at = now() where id = ${user.id}`;
        await tx`delete from auth.sessions where user_id = ${user.id} and id <> ${sessionId}`;
      }
      if (email && email !== user.email) {
        const taken = await findUser(tx, { email });
        if (taken && taken.id !== user.id) {
          throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered');
        }
        const [current] = await tx<UserRow[]>`select * from auth.users where id = ${user.id}`;
        if (user.is_anonymous && settings.emailAutoconfirm) {
          // An anonymous user adding an address is signing up: under mailer autoconfirm it applies at once.
          await tx`update auth.users set email = ${email}, email_confirmed_at = now(), is_anonymous = false,
                   raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb)
                     || jsonb_build_object('email', ${email}::text, 'email_verified', true),
                   updated_at = now() where id = ${user.id}`;
          await addIdentity(tx, user, 'email', email, true);
          await refreshProviders(tx, user.id);
        } else {
          await mail.send(tx, current, 'email_change', { redirectTo: redirectTo(c), newEmail: email, pkce });
        }
      }
      if (phone && phone !== user.phone) {
        const taken = await findUser(tx, { phone });
        if (taken && taken.id !== user.id) {
          throw new AuthError(422, 'phone_exists', 'A user with this phone number has already been registered');
        }
        if (settings.phoneAutoconfirm) {
          await tx`
            update auth.users set phone = ${phone}, phone_confirmed_at = now(), is_anonymous = false, updated_at = now()
             where id = ${user.id}`;
          await addIdentity(tx, user, 'phone', phone, true);
          await refreshProviders(tx, user.id);
        } else {
          const [current] = await tx<UserRow[]>`select * from auth.users where id = ${user.id}`;
          await sendPhoneOtp(tx, current, phone, 'phone_change', ip);
        }
      }
    });
    return c.json(await loadUserJson(sql, user.id));
  });

  // --- admin ---------------------------------------------------------------------------------------------

  const admin = new Hono();
  admin.use('*', async (c, next) => {
    await requireAdmin(c);
    await next();
  });

  const userNotFound = () => new AuthError(404, 'user_not_found', 'User not found');
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  function userIdParam(c: Context): string {
    const id = c.req.param('id') ?? '';
    if (!UUID.test(id)) throw new AuthError(404, 'validation_failed', 'user_id must be an UUID');
    return id;
  }
  function banUntil(value: unknown): Date | null | undefined {
    if (value === undefined) return undefined;
    if (value === 'none') return null;
    const m = /^(\d+)(h|m|s)$/.exec(String(value));
    if (!m) throw validation('invalid format for ban duration');
    return new Date(Date.now() + Number(m[1]) * (m[2] === 'h' ? 3_600_000 : m[2] === 'm' ? 60_000 : 1000));
  }

  admin.post('/users', async (c) => {
    const b = await readBody(c);
    if (!str(b.email) && !str(b.phone)) throw validation('Cannot create a user without either an email or phone');
    const email = str(b.email) ? normalizeEmail(str(b.email)!) : undefined;
    const phone = str(b.phone) ? normalizePhone(str(b.phone)!) : undefined;
    const user = await sql.begin(async (tx) => {
      if (email && (await findUser(tx, { email }))) {
        throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered');
      }
      if (phone && (await findUser(tx, { phone }))) {
        throw new AuthError(422, 'phone_exists', 'Phone number already registered by another user');
      }
      const password = typeof b.password === 'string' && b.password ? b.password : randomPassword();
      return createUser(tx, {
        id: str(b.id),
        email,
        phone,
        passwordHash: typeof b.password_hash === 'string' ? b.password_hash : await hashPassword(password),
        emailConfirmed: b.email_confirm === true,
        phoneConfirmed: b.phone_confirm === true,
        userMetadata: (b.user_metadata ?? {}) as Record<string, unknown>,
        appMetadata: (b.app_metadata ?? {}) as Record<string, unknown>,
        role: str(b.role),
        bannedUntil: banUntil(b.ban_duration),
        byAdmin: true,
      });
    });
    return c.json(await loadUserJson(sql, user.id));
  });

  admin.get('/users', async (c) => {
    const { page, perPage } = paginationOf(c.req.query('page'), c.req.query('per_page'));
    const [{ total }] = await sql<
      [{ total: number }]
    >`select count(*)::int as total from auth.users where aud = 'authenticated'`;
    const rows = await sql<UserRow[]>`
      select * from auth.users where aud = 'authenticated' order by created_at desc, id limit ${perPage} offset ${
      (page - 1) * perPage
    }`;
    const last = Math.ceil(total / perPage);
    const links = [
      ...(page < last ? [`</admin/users?page=${page + 1}&per_page=${perPage}>; rel="next"`] : []),
      `</admin/users?page=${last}&per_page=${perPage}>; rel="last"`,
    ];
    c.header('X-Total-Count', String(total));
    c.header('Link', links.join(', '));
    // GoTrue does not load identities when listing (they come back as null).
    return c.json({ users: rows.map((u) => userJson(u, null)), aud: 'authenticated' });
  });

  admin.get('/users/:id', async (c) => {
    const user = await loadUserJson(sql, userIdParam(c));
    if (!user) throw userNotFound();
    return c.json(user);
  });

  admin.put('/users/:id', async (c) => {
    const id = userIdParam(c);
    const b = await readBody(c);
    await sql.begin(async (tx) => {
      const user = await findUser(tx, { id });
      if (!user) throw userNotFound();
      const email = str(b.email) ? normalizeEmail(str(b.email)!) : undefined;
      const phone = str(b.phone) ? normalizePhone(str(b.phone)!) : undefined;
      if (isObject(b.user_metadata)) await updateMetadata(tx, id, 'raw_user_meta_data', b.user_metadata);
      if (isObject(b.app_metadata)) await updateMetadata(tx, id, 'raw_app_meta_data', b.app_metadata);
      if (typeof b.password === 'string') {
        checkPassword(b.password, settings.minimumPasswordLength);
        await tx`update auth.users set encrypted_password = ${await hashPassword(b.password)} where id = ${id}`;
        await tx`delete from auth.sessions where user_id = ${id}`;
      }
      if (email) {
        await tx`update auth.users set email = ${email} where id = ${id}`;
        await addIdentity(tx, user, 'email', email, b.email_confirm === true);
      }
      if (phone) {
        await tx`update auth.users set phone = ${phone} where id = ${id}`;
        await addIdentity(tx, user, 'phone', phone, b.phone_confirm === true);
      }
      if (b.email_confirm === true) {
        await tx`update auth.users set email_confirmed_at = coalesce(email_confirmed_at, now()) where id = ${id}`;
        await updateMetadata(tx, id, 'raw_user_meta_data', { email_verified: true });
      }
      if (b.phone_confirm === true) {
        await tx`update auth.users set phone_confirmed_at = coalesce(phone_confirmed_at, now()) where id = ${id}`;
      }
      if ((email && b.email_confirm === true) || (phone && b.phone_confirm === true)) {
        await tx`update auth.users set is_anonymous = false where id = ${id}`;
      }
      if (str(b.role)) await tx`update auth.users set role = ${str(b.role)!} where id = ${id}`;
      const ban = banUntil(b.ban_duration);
      if (ban !== undefined) await tx`update auth.users set banned_until = ${ban} where id = ${id}`;
      if (email || phone) await refreshProviders(tx, id);
      await tx`update auth.users set updated_at = now() where id = ${id}`;
    });
    return c.json(await loadUserJson(sql, id));
  });

  admin.delete('/users/:id', async (c) => {
    const id = userIdParam(c);
    const b = await readBody(c);
    const user = await findUser(sql, { id });
    if (!user) throw userNotFound();
    if (b.should_soft_delete === true) {
      await sql.begin(async (tx) => {
        await tx`update auth.users set deleted_at = now(), email = null, phone = null,
                 raw_user_meta_data = '{}'::jsonb, updated_at = now() where id = ${id}`;
        await tx`delete from auth.identities where user_id = ${id}`;
        await tx`delete from auth.sessions where user_id = ${id}`;
      });
    } else {
      await sql`delete from auth.users where id = ${id}`;
    }
    return c.json({});
  });

  const mfa = mfaRoutes({ sql, settings, tokens, readBody, client, bearerUser, limitAddress, userIdParam });
  admin.route('/', mfa.admin);
  const links = adminLinks({ sql, settings, mail, readBody, redirectTo, hashPassword, requireAdmin });
  admin.post('/generate_link', links.generateLink);
  app.post('/invite', links.invite);
  app.route('/admin', admin);
  app.route('/', oauth.routes);
  app.route('/', identityRoutes({ sql, settings, bearerUser, authorizeUrl: oauth.authorizeUrl }));
  app.route('/', mfa.user);
  return app;
}
