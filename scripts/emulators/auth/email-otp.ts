// Mailed one-time codes and links, as GoTrue's mailer keeps them (internal/api/mail.go, verify.go): what each kind of
// mail stores in auth.users, the per-user gap and hourly cap on sending, and finding the user a code or link
// belongs to. One mechanism for sign-up confirmation, invites, recovery, magic links, email change and
// reauthentication; a mail that starts a PKCE flow (pkce.ts) records the flow and marks its token hash with `pkce_`.
import type postgres from 'postgres';
import type { AuthSettings } from './config.ts';
import { AuthError } from './errors.ts';
import { audienceOf, type MailKind, renderMail } from './mail-templates.ts';
import type { SendMail } from './mailer.ts';
import { type OneTimeTokenType, replaceOneTimeToken } from './one-time-tokens.ts';
import { generateOtp, otpHash } from './otp.ts';
import { type CodeChallenge, createFlowState, flowMethodOfLink, PKCE_PREFIX } from './pkce.ts';
import { requireGap, type WindowLimiter } from './rate-limit.ts';
import type { UserRow } from './users.ts';
import { checkDeliverable } from './validate.ts';

type Tx = postgres.TransactionSql;
export type TokenColumn = Exclude<OneTimeTokenType, 'phone_change_token'>;
type SentAtColumn = 'confirmation_sent_at' | 'recovery_sent_at' | 'email_change_sent_at' | 'reauthentication_sent_at';

export type EmailAction = 'signup' | 'invite' | 'recovery' | 'magiclink' | 'email_change' | 'reauthentication';

interface Action {
  column: TokenColumn;
  sentAt: SentAtColumn;
  template: MailKind;
  link?: string;
  /** An admin's invite: GoTrue keeps no per-user gap for it. */
  anyTime?: true;
}

const ACTIONS: Record<EmailAction, Action> = {
  signup: { column: 'confirmation_token', sentAt: 'confirmation_sent_at', template: 'confirmation', link: 'signup' },
  invite: {
    column: 'confirmation_token',
    sentAt: 'confirmation_sent_at',
    template: 'invite',
    link: 'invite',
    anyTime: true,
  },
  recovery: { column: 'recovery_token', sentAt: 'recovery_sent_at', template: 'recovery', link: 'recovery' },
  magiclink: { column: 'recovery_token', sentAt: 'recovery_sent_at', template: 'magic_link', link: 'magiclink' },
  email_change: {
    column: 'email_change_token_new',
    sentAt: 'email_change_sent_at',
    template: 'email_change',
    link: 'email_change',
  },
  reauthentication: {
    column: 'reauthentication_token',
    sentAt: 'reauthentication_sent_at',
    template: 'reauthentication',
  },
};

/** Where each token column's expiry is counted from, and which address it was sent to. */
const SENT_AT: Record<TokenColumn, SentAtColumn> = {
  confirmation_token: 'confirmation_sent_at',
  recovery_token: 'recovery_sent_at',
  email_change_token_new: 'email_change_sent_at',
  email_change_token_current: 'email_change_sent_at',
  reauthentication_token: 'reauthentication_sent_at',
};
const ADDRESS: Record<TokenColumn, 'email' | 'email_change'> = {
  confirmation_token: 'email',
  recovery_token: 'email',
  email_change_token_new: 'email_change',
  email_change_token_current: 'email',
  reauthentication_token: 'email',
};

/** The token columns a /verify type may match, in the order GoTrue tries them. */
export const VERIFY_COLUMNS: Record<string, TokenColumn[]> = {
  signup: ['confirmation_token'],
  invite: ['confirmation_token'],
  recovery: ['recovery_token'],
  magiclink: ['recovery_token'],
  email: ['confirmation_token', 'recovery_token'],
  email_change: ['email_change_token_current', 'email_change_token_new'],
};

export interface EmailOtpDeps {
  settings: AuthSettings;
  sendMail: SendMail;
  limiter: WindowLimiter;
  /** GET /verify on this Auth's public URL: the base of every mailed link. */
  verifyUrl: string;
}

const HOUR = 3600;

/** Keeps a token's hash as GoTrue does: in its auth.users column and as the user's one-time token of that kind. */
export async function keepToken(tx: Tx, userId: string, column: TokenColumn, hash: string, sentTo: string) {
  await tx`update auth.users set ${tx(column)} = ${hash} where id = ${userId}`;
  await replaceOneTimeToken(tx, userId, column, hash, sentTo);
}

export function emailOtp({ settings, sendMail, limiter, verifyUrl }: EmailOtpDeps) {
  /** GoTrue's {{ .ConfirmationURL }}: GET /verify with the token hash, the link's type and where to go after. */
  const actionLink = (hash: string, type: string, redirectTo: string) =>
    `${verifyUrl}?${new URLSearchParams({ token: hash, type, redirect_to: redirectTo })}`;

  /**
   * Mails the user a new code (and link) for `action`, storing its hash as GoTrue does, inside the caller's
   * transaction: when the mail cannot be sent, nothing is kept. An email change mails the new address and, under
   * double confirmation, the current one, each its own code. With `pkce` (the request's code challenge) the link
   * starts a PKCE flow: it will answer with an auth code for POST /token?grant_type=pkce instead of a session.
   */
  async function send(
    tx: Tx,
    user: UserRow,
    action: EmailAction,
    opts: { redirectTo: string; newEmail?: string; pkce?: CodeChallenge },
  ) {
    const { column, sentAt, template, link, anyTime } = ACTIONS[action];
    if (!anyTime) requireGap(user[sentAt], settings.email.maxFrequency, 'over_email_send_rate_limit');
    const recipients: { address: string; column: TokenColumn }[] = action === 'email_change'
      ? [
        { address: opts.newEmail!, column },
        ...(settings.email.doubleConfirmChanges && user.email
          ? [{ address: user.email, column: 'email_change_token_current' as const }]
          : []),
      ]
      : [{ address: user.email!, column }];
    for (const { address } of recipients) checkDeliverable(address);
    // GoTrue spares autoconfirming projects the hourly cap (its sign-ups send nothing).
    if (!settings.emailAutoconfirm && !limiter.hit('email:global', settings.rateLimits.emailSent, HOUR)) {
      throw new AuthError(429, 'over_email_send_rate_limit', 'email rate limit exceeded');
    }

    await tx`update auth.users set ${tx(sentAt)} = now(), updated_at = now() where id = ${user.id}`;
    if (action === 'invite') await tx`update auth.users set invited_at = now() where id = ${user.id}`;
    const method = link && flowMethodOfLink(link);
    if (opts.pkce && method) {
      await createFlowState(tx, { userId: user.id, method, providerType: method, challenge: opts.pkce });
    }
    if (action === 'email_change') {
      await tx`update auth.users set email_change = ${opts.newEmail!}, email_change_token_current = '',
               email_change_confirm_status = 0 where id = ${user.id}`;
    }
    const audience = audienceOf(user.raw_user_meta_data);
    for (const recipient of recipients) {
      const otp = generateOtp(settings.email.otpLength);
      const hash = (opts.pkce ? PKCE_PREFIX : '') + otpHash(recipient.address, otp);
      await keepToken(tx, user.id, recipient.column, hash, recipient.address);
      const url = link ? actionLink(hash, link, opts.redirectTo) : undefined;
      const mail = renderMail(template, audience, { code: otp, link: url, email: opts.newEmail ?? recipient.address });
      await sendMail({ to: recipient.address, ...mail });
    }
  }

  /**
   * The user a mailed code or link is for, locked, and the column it matched: `token` with the address it was sent
   * to (the code of a PKCE mail too), or the link's `tokenHash`. Undefined when none matches or it has expired.
   */
  async function find(
    tx: Tx,
    type: string,
    by: { email: string; token: string } | { tokenHash: string },
  ): Promise<{ user: UserRow; column: TokenColumn } | undefined> {
    const codeHash = 'tokenHash' in by ? '' : otpHash(by.email, by.token);
    for (const column of VERIFY_COLUMNS[type] ?? []) {
      const address = ADDRESS[column];
      const [user] = 'tokenHash' in by
        ? await tx<UserRow[]>`select * from auth.users
            where ${tx(column)} = ${by.tokenHash} and deleted_at is null for update`
        : await tx<UserRow[]>`select * from auth.users
            where lower(${tx(address)}) = ${by.email} and deleted_at is null
              and ${tx(column)} in ${tx([codeHash, PKCE_PREFIX + codeHash])}
            for update`;
      if (!user) continue;
      const sentAt = user[SENT_AT[column]];
      const fresh = !!sentAt && Date.now() - new Date(sentAt).getTime() <= settings.email.otpExpiry * 1000;
      return fresh ? { user, column } : undefined;
    }
    return undefined;
  }

  return { send, find, actionLink };
}
