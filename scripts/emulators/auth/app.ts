// Local emulator of the Supabase Auth (GoTrue) REST API subset our apps and functions use, served at
// /auth/v1 by the local gateway. FOR DEVELOPMENT AND TESTS ONLY: production uses Supabase Auth itself.
// Behaviour follows GoTrue's handlers (supabase/auth) and supabase-js' auth client (docs/decisions.md) and writes the
// same auth.* tables, so what our SQL and functions see is what they will see on Supabase.
import bcrypt from 'bcryptjs';
import { type Context, Hono } from 'hono';
import { type JWK, jwtVerify } from 'jose';
import type postgres from 'postgres';
import type { AuthSettings } from './config.ts';
import { AuthError, errorResponse, validation } from './errors.ts';
import { WindowLimiter } from './rate-limit.ts';
import { bearerOf } from '../../../functions/_shared/bearer.ts';
import { jwtKeyResolver } from '../../../functions/_shared/jwt.ts';
import { clientIp } from '../../../functions/_shared/rate-limit.ts';
import { generateOtp, otpHash, sendSmsHook } from './otp.ts';
import { issueSession, refreshSession, sessionExists, type TokenSettings } from './sessions.ts';
import { jwksOf } from './signing-key.ts';
import {
  addIdentity,
  createUser,
  findUser,
  identitiesOf,
  loadUserJson,
  refreshProviders,
  userJson,
  type UserRow,
} from './users.ts';
import { checkPassword, normalizeEmail, normalizePhone, str } from './validate.ts';

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
}

type Body = Record<string, unknown>;
const FIVE_MINUTES = 300;
const HOUR = 3600;

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
  async function bearerUser(c: Context): Promise<{ user: UserRow; sessionId: string }> {
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
    return { user, sessionId };
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
  const randomPassword = () => crypto.randomUUID() + crypto.randomUUID();

  /**
   * Sends a code to `phone` for confirming the user's phone (or a phone change), storing its hash the way
   * GoTrue does. Runs inside the caller's transaction: if delivery fails, nothing is kept.
   */
  async function sendPhoneOtp(
    tx: postgres.TransactionSql,
    user: UserRow,
    phone: string,
    kind: 'confirmation' | 'phone_change',
    ip?: string,
  ) {
    const sentAt = kind === 'confirmation' ? user.confirmation_sent_at : user.phone_change_sent_at;
    if (sentAt) {
      const wait = settings.smsMaxFrequency - Math.floor((Date.now() - new Date(sentAt).getTime()) / 1000);
      if (wait > 0) {
        throw new AuthError(
          429,
          'over_sms_send_rate_limit',
          `For security purposes, you can only request this after ${wait} seconds.`,
        );
      }
    }
    if (!settings.phoneAutoconfirm && !limiter.hit('sms:global', settings.rateLimits.smsSent, HOUR)) {
      throw new AuthError(429, 'over_sms_send_rate_limit', 'SMS rate limit exceeded');
    }
    const otp = generateOtp(settings.smsOtpLength);
    const hash = otpHash(phone, otp);
    const [updated] = kind === 'confirmation'
      ? await tx<UserRow[]>`
          update auth.users set confirmation_token = ${hash}, confirmation_sent_at = now(), updated_at = now()
           where id = ${user.id} returning *`
      : await tx<UserRow[]>`
          update auth.users set phone_change = ${phone}, phone_change_token = ${hash}, phone_change_sent_at = now(),
                 updated_at = now()
           where id = ${user.id} returning *`;
    const tokenType = kind === 'confirmation' ? 'confirmation_token' : 'phone_change_token';
    await tx`delete from auth.one_time_tokens where user_id = ${user.id} and token_type = ${tokenType}`;
    await tx`insert into auth.one_time_tokens (id, user_id, token_type, token_hash, relates_to)
             values (${crypto.randomUUID()}, ${user.id}, ${tokenType}, ${hash}, ${phone})`;
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

    const result = await sql.begin(async (tx) => {
      if (email) {
        const address = normalizeEmail(email);
        const existing = await findUser(tx, { email: address });
        if (existing?.email_confirmed_at) throw new AuthError(422, 'user_already_exists', 'User already registered');
        if (existing) return { user: userJson(existing, await identitiesOf(tx, existing.id)) };
        const user = await createUser(tx, {
          email: address,
          passwordHash: await hashPassword(password),
          emailConfirmed: settings.emailAutoconfirm,
          userMetadata: data,
        });
        if (settings.emailAutoconfirm) return { session: await issueSession(tx, tokens, user, 'password', client(c)) };
        return { user: userJson(user, await identitiesOf(tx, user.id)) };
      }
      const phone = normalizePhone(phoneIn!);
      const existing = await findUser(tx, { phone });
      if (existing?.phone_confirmed_at) {
        if (settings.phoneAutoconfirm) throw new AuthError(422, 'user_already_exists', 'User already registered');
        // GoTrue answers with a look-alike user rather than reveal that the number is registered.
        return { user: { ...userJson(existing, []), id: crypto.randomUUID(), identities: [] } };
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
    if (str(b.email)) {
      throw validation('The local Auth emulator sends SMS codes only; email one-time links are not emulated');
    }
    const phoneIn = str(b.phone);
    if (!phoneIn) throw validation('An email address or phone number is required');
    requireProvider('phone', 400);
    const phone = normalizePhone(phoneIn);
    const createIfMissing = b.create_user !== false;
    const data = (b.data && typeof b.data === 'object' ? b.data : {}) as Record<string, unknown>;
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

  app.post('/verify', async (c) => {
    const b = await readBody(c);
    const { ip } = client(c);
    limitAddress('verify', ip, settings.rateLimits.tokenVerifications, FIVE_MINUTES);
    const type = str(b.type);
    const token = str(b.token);
    if (str(b.token_hash)) {
      throw validation('The local Auth emulator verifies SMS codes only (type sms or phone_change)');
    }
    if (!token) throw validation('Verify requires either a token or a token hash');
    if (type !== 'sms' && type !== 'phone_change') throw validation('Verify requires a verification type');
    const phone = normalizePhone(str(b.phone) ?? '');
    const failureKey = `${type === 'sms' ? 'confirmation' : 'phone_change'}:${phone}`;
    const invalid = () => new AuthError(403, 'otp_expired', 'Token has expired or is invalid');

    const session = await sql.begin(async (tx) => {
      const [user] = type === 'sms'
        ? await tx<UserRow[]>`select * from auth.users where phone = ${phone} and deleted_at is null for update`
        : await tx<UserRow[]>`select * from auth.users where phone_change = ${phone} and deleted_at is null for update`;
      if (!user) throw invalid();
      const stored = type === 'sms' ? user.confirmation_token : user.phone_change_token;
      const sentAt = type === 'sms' ? user.confirmation_sent_at : user.phone_change_sent_at;
      const fresh = !!sentAt && Date.now() - new Date(sentAt).getTime() <= settings.smsOtpExpiry * 1000;
      if (!stored || !fresh || stored !== otpHash(phone, token)) {
        // A code survives only a few wrong guesses; then a new one must be requested.
        const failures = (otpFailures.get(failureKey) ?? 0) + 1;
        otpFailures.set(failureKey, failures);
        if (failures >= settings.otpMaxAttempts && stored) return { burn: user.id, session: undefined };
        throw invalid();
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
      await tx`
        delete from auth.one_time_tokens
         where user_id = ${user.id} and token_type in ('confirmation_token', 'phone_change_token')`;
      await addIdentity(tx, confirmed, 'phone', phone, true);
      await refreshProviders(tx, confirmed.id);
      const [reloaded] = await tx<UserRow[]>`select * from auth.users where id = ${user.id}`;
      return { burn: undefined, session: await issueSession(tx, tokens, reloaded, 'otp', client(c)) };
    });
    if (session.burn) {
      if (type === 'sms') await sql`update auth.users set confirmation_token = '' where id = ${session.burn}`;
      else await sql`update auth.users set phone_change_token = '' where id = ${session.burn}`;
      throw invalid();
    }
    return c.json(session.session);
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

    await sql.begin(async (tx) => {
      if (b.data && typeof b.data === 'object') {
        // Shallow merge; a null value removes the key.
        const data = tx.json(b.data as never);
        await tx`
          update auth.users
             set raw_user_meta_data = jsonb_strip_nulls(coalesce(raw_user_meta_data, '{}'::jsonb) || ${data}),
                 updated_at = now()
           where id = ${user.id}`;
      }
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
        // No mailer runs locally: with autoconfirm on (config.toml), the change applies at once.
        await tx`
          update auth.users set email = ${email}, email_confirmed_at = now(), is_anonymous = false, updated_at = now(),
                 raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb)
                   || jsonb_build_object('email', ${email}::text, 'email_verified', true)
           where id = ${user.id}`;
        await addIdentity(tx, user, 'email', email, true);
        await refreshProviders(tx, user.id);
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
    const email = str(b.email) ? normalizeEmail(str(b.email)!) : undefined;
    const phone = str(b.phone) ? normalizePhone(str(b.phone)!) : undefined;
    if (!email && !phone) throw validation('Unable to validate email address: invalid format');
    const user = await sql.begin(async (tx) => {
      if (email && (await findUser(tx, { email }))) {
        throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered');
      }
      if (phone && (await findUser(tx, { phone }))) {
        throw new AuthError(422, 'phone_exists', 'A user with this phone number has already been registered');
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
      });
    });
    return c.json(await loadUserJson(sql, user.id));
  });

  admin.get('/users', async (c) => {
    const page = Math.max(1, Number(c.req.query('page') || 1));
    const perPage = Math.min(1000, Math.max(1, Number(c.req.query('per_page') || 50)));
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
      if (b.user_metadata && typeof b.user_metadata === 'object') {
        await tx`update auth.users set raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || ${
          tx.json(b.user_metadata as never)
        } where id = ${id}`;
      }
      if (b.app_metadata && typeof b.app_metadata === 'object') {
        await tx`update auth.users set raw_app_meta_data = coalesce(raw_app_meta_data, '{}'::jsonb) || ${
          tx.json(b.app_metadata as never)
        } where id = ${id}`;
      }
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

  app.route('/admin', admin);
  return app;
}
