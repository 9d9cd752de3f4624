// Codes and links: POST /recover, /resend, GET /reauthenticate, and POST|GET /verify (SMS and mailed codes, the
// links in mails, PKCE links ending in an auth code), as GoTrue's handlers answer them.
import { type EmulatorContext, FIVE_MINUTES } from './context.ts';
import { type Context, Hono } from 'hono';
import { AuthError, validation } from './errors.ts';
import { VERIFY_COLUMNS } from './email-otp.ts';
import { clearOneTimeTokens } from './one-time-tokens.ts';
import { otpHash } from './otp.ts';
import { codeChallengeOf, type FlowMethod, flowMethodOfLink, issueAuthCode, PKCE_PREFIX } from './pkce.ts';
import { redirectWith } from './redirect.ts';
import { issueSession } from './sessions.ts';
import { addIdentity, findUser, refreshProviders, type UserRow } from './users.ts';
import { normalizeEmail, normalizePhone, randomPassword, str } from './validate.ts';

export function verifyRoutes(ctx: EmulatorContext): Hono {
  const { sql, settings, tokens, mail, otpFailures, client, readBody, limitAddress, redirectTo, bearerUser } = ctx;
  const { requireProvider, hashPassword, sendPhoneOtp } = ctx;
  const app = new Hono();

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

  return app;
}
