// The signed-in user: GET /user and PUT /user (metadata, password with GoTrue's reauthentication rule, email and
// phone changes), as GoTrue's UserGet and UserUpdate answer them.
import { DAY, type EmulatorContext, FIVE_MINUTES } from './context.ts';
import bcrypt from 'bcryptjs';
import { Hono } from 'hono';
import { AuthError } from './errors.ts';
import { clearOneTimeTokens } from './one-time-tokens.ts';
import { otpHash } from './otp.ts';
import { codeChallengeOf } from './pkce.ts';
import { addIdentity, findUser, loadUserJson, refreshProviders, updateMetadata, type UserRow } from './users.ts';
import { checkPassword, isObject, normalizeEmail, normalizePhone, str } from './validate.ts';

export function userRoutes(ctx: EmulatorContext): Hono {
  const { sql, settings, mail, client, readBody, limitAddress, redirectTo, bearerUser, hashPassword, sendPhoneOtp } =
    ctx;
  const app = new Hono();

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

  return app;
}
