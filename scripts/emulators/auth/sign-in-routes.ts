// Signing up and in: POST /signup (email, phone, anonymous), POST /token (password, refresh_token, id_token, pkce,
// web3), POST /otp (magic links, email and SMS codes), POST /logout; as GoTrue's handlers answer supabase-js.
import { type EmulatorContext, FIVE_MINUTES, HOUR } from './context.ts';
import bcrypt from 'bcryptjs';
import { Hono } from 'hono';
import { AuthError, validation } from './errors.ts';
import { codeChallengeOf, exchangeAuthCode } from './pkce.ts';
import type { idTokenGrant } from './id-token.ts';
import { issueSession, refreshSession } from './sessions.ts';
import { createUser, findUser, identitiesOf, loadUserJson, userJson, type UserRow } from './users.ts';
import { checkPassword, normalizeEmail, normalizePhone, randomPassword, str } from './validate.ts';

export function signInRoutes(ctx: EmulatorContext, idToken: ReturnType<typeof idTokenGrant>): Hono {
  const { sql, settings, tokens, mail, client, readBody, limit, limitAddress, redirectTo, bearerUser } = ctx;
  const { requireProvider, hashPassword, sendPhoneOtp } = ctx;
  const app = new Hono();

  /** GoTrue's answer to a sign-up of an address already confirmed: a look-alike user, so it reveals nothing. */
  const lookAlike = (existing: UserRow) => ({ ...userJson(existing, []), id: crypto.randomUUID(), identities: [] });

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

  app.post('/logout', async (c) => {
    const scope = c.req.query('scope') ?? 'global';
    if (!['global', 'local', 'others'].includes(scope)) throw validation(`Unsupported logout scope "${scope}"`);
    const { user, sessionId } = await bearerUser(c);
    if (scope === 'local') await sql`delete from auth.sessions where id = ${sessionId}`;
    else if (scope === 'others') await sql`delete from auth.sessions where user_id = ${user.id} and id <> ${sessionId}`;
    else await sql`delete from auth.sessions where user_id = ${user.id}`;
    return c.body(null, 204);
  });

  return app;
}
