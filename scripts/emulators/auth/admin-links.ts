// Admin links and invites, as GoTrue answers them (internal/api/mail.go adminGenerateLink, invite.go): POST
// /admin/generate_link makes the code and link of any mailed flow and hands them back without sending anything (for a
// server that mails them itself); POST /invite creates the user and mails the invite. Both work on the same auth.users
// columns and one-time tokens as the mails of email-otp.ts, so /verify completes either the same way.
import type { Context } from 'hono';
import type postgres from 'postgres';
import type { AuthSettings } from './config.ts';
import { type emailOtp, keepToken, type TokenColumn } from './email-otp.ts';
import { AuthError, validation } from './errors.ts';
import { generateOtp, otpHash } from './otp.ts';
import { redirectTarget } from './redirect.ts';
import { createUser, findUser, loadUserJson, updateMetadata, type UserRow } from './users.ts';
import { checkPassword, isObject, normalizeEmail, randomPassword, str } from './validate.ts';

export interface AdminLinkDeps {
  sql: postgres.Sql;
  settings: AuthSettings;
  mail: ReturnType<typeof emailOtp>;
  readBody: (c: Context) => Promise<Record<string, unknown>>;
  /** The request's ?redirect_to= if GoTrue would follow it, else SITE_URL. */
  redirectTo: (c: Context) => string;
  hashPassword: (password: string) => Promise<string>;
  /** The bearer check of /admin/*, which /invite sits outside of. */
  requireAdmin: (c: Context) => Promise<void>;
}

type Tx = postgres.TransactionSql;

const emailExists = () =>
  new AuthError(422, 'email_exists', 'A user with this email address has already been registered');

/** GoTrue's validateEmail, which both endpoints apply before anything else. */
function requiredEmail(value: unknown): string {
  const email = str(value);
  if (!email) throw validation('An email address is required');
  return normalizeEmail(email);
}

/** A link's token, stored where the link's /verify type looks for it, with the time its expiry counts from. */
async function keepLinkToken(
  tx: Tx,
  user: UserRow,
  column: TokenColumn,
  hash: string,
  sentTo: string,
) {
  const sentAt = column === 'confirmation_token'
    ? 'confirmation_sent_at'
    : column === 'recovery_token'
    ? 'recovery_sent_at'
    : 'email_change_sent_at';
  await tx`update auth.users set ${tx(sentAt)} = now(), updated_at = now() where id = ${user.id}`;
  await keepToken(tx, user.id, column, hash, sentTo);
}

/** The two handlers: `generateLink` for POST /admin/generate_link, `invite` for POST /invite. */
export function adminLinks(deps: AdminLinkDeps) {
  const { sql, settings, mail } = deps;

  /**
   * One type's user and token: an unknown address becomes a user for signup and invite (magiclink turns into signup),
   * else 404. Returns the user, the stored hash the link carries, the link's /verify type and the type answered.
   */
  async function prepare(
    tx: Tx,
    requested: string,
    email: string,
    otp: string,
    b: Record<string, unknown>,
  ): Promise<{ user: UserRow; linkHash: string; linkType: string; type: string }> {
    const existing = await findUser(tx, { email });
    const type = requested === 'magiclink' && !existing ? 'signup' : requested;
    const hash = otpHash(email, otp);
    const data = isObject(b.data) ? b.data : {};
    if (!existing && ['recovery', 'email_change_current', 'email_change_new'].includes(type)) {
      throw new AuthError(404, 'user_not_found', 'User with this email not found');
    }
    switch (type) {
      case 'magiclink':
      case 'recovery':
        await keepLinkToken(tx, existing!, 'recovery_token', hash, email);
        return { user: existing!, linkHash: hash, linkType: type, type };
      case 'signup':
      case 'invite': {
        if (existing?.email_confirmed_at) throw emailExists();
        if (existing && type === 'signup') await updateMetadata(tx, existing.id, 'raw_user_meta_data', data);
        // A new sign-up needs a password (a magic link's gets a random one); an invitee sets one later.
        const password = type === 'invite' ? undefined : requested === 'magiclink' ? randomPassword() : b.password;
        const user = existing ?? await createUser(tx, {
          email,
          passwordHash: password === undefined
            ? ''
            : await deps.hashPassword(checkPassword(password, settings.minimumPasswordLength)),
          userMetadata: data,
          byAdmin: true,
        });
        if (type === 'invite') await tx`update auth.users set invited_at = now() where id = ${user.id}`;
        await keepLinkToken(tx, user, 'confirmation_token', hash, email);
        return { user, linkHash: hash, linkType: type, type };
      }
      case 'email_change_current':
      case 'email_change_new': {
        if (type === 'email_change_current' && !settings.email.doubleConfirmChanges) {
          throw validation('Enable secure email change to generate link for current email');
        }
        const newEmail = requiredEmail(b.new_email);
        const taken = await findUser(tx, { email: newEmail });
        if (taken && taken.id !== existing!.id) throw emailExists();
        await tx`update auth.users set email_change = ${newEmail}, email_change_confirm_status = 0
                 where id = ${existing!.id}`;
        // The new address's token is its own hash, though the answer's hashed_token is always the current one's.
        const current = type === 'email_change_current';
        const linkHash = current ? hash : otpHash(newEmail, otp);
        const column = current ? 'email_change_token_current' : 'email_change_token_new';
        await keepLinkToken(tx, existing!, column, linkHash, current ? email : newEmail);
        return { user: existing!, linkHash, linkType: 'email_change', type };
      }
      default:
        throw validation(`Invalid email action link type requested: ${requested}`);
    }
  }

  /** auth.admin.generateLink: the user, plus the link and code an app's own mailer would send; nothing is mailed. */
  async function generateLink(c: Context) {
    const b = await deps.readBody(c);
    const email = requiredEmail(b.email);
    // A redirect_to in the body wins over the query's when GoTrue would follow it.
    const requested = str(b.redirect_to);
    const followed = requested && redirectTarget(requested, settings.siteUrl, settings.additionalRedirectUrls);
    const redirectTo = requested && followed === requested ? requested : deps.redirectTo(c);
    const otp = generateOtp(settings.email.otpLength);
    const made = await sql.begin((tx) => prepare(tx, str(b.type) ?? '', email, otp, b));
    return c.json({
      ...(await loadUserJson(sql, made.user.id)),
      action_link: mail.actionLink(made.linkHash, made.linkType, redirectTo),
      email_otp: otp,
      hashed_token: otpHash(email, otp),
      verification_type: made.type,
      redirect_to: redirectTo,
    });
  }

  /** auth.admin.inviteUserByEmail: a new (or still unconfirmed) user, mailed the invite; /verify type `invite`. */
  async function invite(c: Context) {
    await deps.requireAdmin(c);
    const b = await deps.readBody(c);
    const email = requiredEmail(b.email);
    const user = await sql.begin(async (tx) => {
      const existing = await findUser(tx, { email });
      if (existing?.email_confirmed_at) throw emailExists();
      const invitee = existing ?? await createUser(tx, {
        email,
        passwordHash: '',
        userMetadata: isObject(b.data) ? b.data : {},
        byAdmin: true,
      });
      await mail.send(tx, invitee, 'invite', { redirectTo: deps.redirectTo(c) });
      return invitee;
    });
    return c.json(await loadUserJson(sql, user.id));
  }

  return { generateLink, invite };
}
