// Which user an outside identity (an Apple or Google ID token) signs in, as GoTrue decides it (models/linking.go
// DetermineAccountLinking, api/external.go createAccountFromExternalIdentity, api/identity.go linkIdentityToUser):
// the identity's own user; else the one user a verified email points to; else a new user. An unconfirmed user that an
// identity reaches loses its other identities and its password, so nobody can claim an address before its owner.
import type postgres from 'postgres';
import type { AuthSettings } from './config.ts';
import { AuthError } from './errors.ts';
import { clearOneTimeTokens } from './one-time-tokens.ts';
import { findUser, identitiesOf, type IdentityRow, refreshProviders, type UserRow } from './users.ts';

type Tx = postgres.TransactionSql;

/** What a provider vouches for: GoTrue's UserProvidedData, its metadata already mapped to identity_data. */
export interface ExternalIdentity {
  provider: string;
  sub: string;
  /** The address the token carries ('' for none), lowercased. */
  email: string;
  emailVerified: boolean;
  /** The provider lets a token without an email sign in ([auth.external.<p>] email_optional). */
  emailOptional: boolean;
  /** identity_data as GoTrue writes it (iss, sub, email, email_verified, phone_verified, name, picture, …). */
  data: Record<string, unknown>;
}

/**
 * An outcome GoTrue commits and still answers with an error (a confirmation mail went out): the caller throws it
 * after the transaction.
 */
export class CommittedRefusal {
  constructor(readonly error: AuthError) {}
}

export interface ExternalAccountDeps {
  settings: AuthSettings;
  /** Mails the user the sign-up confirmation, inside the transaction. */
  sendConfirmation(tx: Tx, user: UserRow): Promise<void>;
}

/**
 * GoTrue's UpdateUserEmailFromIdentities: the user keeps its address while an identity still carries it; else it
 * takes the first identity's (verified first, then unverified, then none; oldest first) that no other user has.
 * False when every candidate address belongs to someone else.
 */
export async function emailFromIdentities(tx: Tx, user: UserRow): Promise<boolean> {
  const identities = await identitiesOf(tx, user.id);
  if (identities.some((i) => (i.email ?? '') === (user.email ?? ''))) return true;
  const rank = (i: IdentityRow) => !i.email ? 2 : i.identity_data.email_verified === true ? 0 : 1;
  const ranked = identities.map((i, at) => ({ i, at })).sort((a, b) => rank(a.i) - rank(b.i) || a.at - b.at);
  for (const { i } of ranked) {
    const owner = i.email ? await findUser(tx, { email: i.email }) : undefined;
    if (owner && owner.id !== user.id) continue;
    await tx`update auth.users set email = ${i.email || null}, updated_at = now() where id = ${user.id}`;
    return true;
  }
  return false;
}

const isBanned = (u: UserRow) => !!u.banned_until && new Date(u.banned_until) > new Date();

export function externalAccounts({ settings, sendConfirmation }: ExternalAccountDeps) {
  const verifiedForLinking = (x: ExternalIdentity) => x.email !== '' && (x.emailVerified || settings.emailAutoconfirm);

  async function insertIdentity(tx: Tx, userId: string, x: ExternalIdentity): Promise<IdentityRow> {
    const [row] = await tx<IdentityRow[]>`
      insert into auth.identities (provider_id, user_id, identity_data, provider,
                                   last_sign_in_at, created_at, updated_at)
      values (${x.sub}, ${userId}, ${tx.json(x.data as never)}, ${x.provider}, now(), now(), now())
      returning *`;
    return row;
  }

  /** Shallow merge into user_metadata (GoTrue's UpdateUserMetaData): the identity's claims win. */
  async function mergeUserMetadata(tx: Tx, userId: string, data: Record<string, unknown>) {
    await tx`update auth.users set raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || ${
      tx.json(data as never)
    }, updated_at = now() where id = ${userId}`;
  }

  /** Whether an address belongs to someone already, as an identity's or a user's (GoTrue's IsDuplicatedEmail). */
  async function addressTaken(tx: Tx, email: string): Promise<boolean> {
    if (!email) return false;
    const [row] = await tx<{ taken: boolean }[]>`
      select exists (select 1 from auth.identities where email = ${email})
          or exists (select 1 from auth.users where lower(email) = ${email} and deleted_at is null) as taken`;
    return row.taken;
  }

  /** The user a verified address links to: one user behind every identity with it, else the one user with it. */
  async function linkTarget(tx: Tx, email: string): Promise<UserRow | 'create' | 'ambiguous'> {
    const owners = await tx<{ user_id: string }[]>`
      select distinct user_id from auth.identities where email = ${email} and provider not like 'sso:%'`;
    if (owners.length > 1) return 'ambiguous';
    if (owners.length === 1) return (await findUser(tx, { id: owners[0].user_id }))!;
    const users = await tx<UserRow[]>`
      select * from auth.users where lower(email) = ${email} and is_sso_user = false and deleted_at is null`;
    if (users.length > 1) return 'ambiguous';
    return users[0] ?? 'create';
  }

  /** GoTrue's new external user: no password, the identity's claims as user_metadata, app_metadata its provider. */
  async function createExternalUser(tx: Tx, x: ExternalIdentity, email: string): Promise<UserRow> {
    if (!settings.enableSignup) throw new AuthError(422, 'signup_disabled', 'Signups not allowed for this instance');
    const appMeta = { provider: x.provider, providers: [x.provider] };
    const [user] = await tx<UserRow[]>`
      insert into auth.users (instance_id, id, aud, role, email, raw_app_meta_data, raw_user_meta_data,
                              is_anonymous, created_at, updated_at)
      values ('00000000-0000-0000-0000-000000000000', ${crypto.randomUUID()}, 'authenticated', 'authenticated',
              ${email || null}, ${tx.json(appMeta)}, ${tx.json(x.data as never)}, false, now(), now())
      returning *`;
    return user;
  }

  /** Marks the address confirmed (GoTrue's User.Confirm). */
  async function confirm(tx: Tx, userId: string) {
    await tx`update auth.users set email_confirmed_at = now(), confirmation_token = '', updated_at = now(),
             raw_user_meta_data = coalesce(raw_user_meta_data, '{}'::jsonb) || '{"email_verified": true}'
             where id = ${userId}`;
    await clearOneTimeTokens(tx, userId);
  }

  /** An unconfirmed user an identity reaches keeps only it, and its claims (GoTrue's RemoveUnconfirmedIdentities). */
  async function keepOnly(tx: Tx, user: UserRow, identity: IdentityRow) {
    if (identity.provider !== 'email' && identity.provider !== 'phone') {
      await tx`update auth.users set encrypted_password = null where id = ${user.id}`;
    }
    await tx`update auth.users set raw_user_meta_data = ${tx.json(identity.identity_data as never)}, updated_at = now()
             where id = ${user.id}`;
    await tx`delete from auth.identities where user_id = ${user.id} and id <> ${identity.id}`;
    await refreshProviders(tx, user.id);
  }

  /**
   * Sign-in by an outside identity: the user it signs in, the identity created or refreshed. Throws AuthError
   * (rolled back) or CommittedRefusal (kept: the user was mailed a confirmation).
   */
  async function signIn(tx: Tx, x: ExternalIdentity): Promise<UserRow> {
    const [existing] = await tx<IdentityRow[]>`
      select * from auth.identities where provider_id = ${x.sub} and provider = ${x.provider} for update`;
    let user: UserRow;
    let identity: IdentityRow;
    // The address a new user gets, and whether confirming it is the provider's word.
    let candidate = x.email;
    if (existing) {
      // The identity signs in its own user, whose address stays its own; identity data and metadata refreshed.
      user = (await findUser(tx, { id: existing.user_id }))!;
      [identity] = await tx<IdentityRow[]>`update auth.identities set identity_data = ${tx.json(x.data as never)},
        updated_at = now() where id = ${existing.id} returning *`;
      await mergeUserMetadata(tx, user.id, x.data);
      candidate = user.email ?? '';
    } else {
      const target = verifiedForLinking(x) ? await linkTarget(tx, x.email) : 'create';
      if (target === 'ambiguous') {
        throw new AuthError(500, 'unexpected_failure', 'Multiple accounts with the same email address detected');
      }
      if (target === 'create') {
        // An unverified address that someone already has is not given to the new user.
        if (!verifiedForLinking(x) && (await addressTaken(tx, x.email))) candidate = '';
        user = await createExternalUser(tx, x, candidate);
        identity = await insertIdentity(tx, user.id, x);
      } else {
        user = target;
        identity = await insertIdentity(tx, user.id, x);
        await mergeUserMetadata(tx, user.id, x.data);
      }
    }
    await refreshProviders(tx, user.id);
    if (isBanned(user)) throw new AuthError(403, 'user_banned', 'User is banned');

    const needsEmail = !(x.emailOptional && candidate === '');
    if (needsEmail && !user.email_confirmed_at) {
      await keepOnly(tx, user, identity);
      if (x.emailVerified || settings.emailAutoconfirm) {
        await confirm(tx, user.id);
      } else {
        const reloaded = (await findUser(tx, { id: user.id }))!;
        const mailed = !!candidate;
        if (mailed) await sendConfirmation(tx, reloaded);
        const p = x.provider;
        throw new CommittedRefusal(
          new AuthError(
            422,
            'provider_email_needs_verification',
            mailed
              ? `Unverified email with ${p}. A confirmation email has been sent to your ${p} email`
              : `Unverified email with ${p}. Verify the email with ${p} in order to sign in`,
          ),
        );
      }
    }
    return (await findUser(tx, { id: user.id }))!;
  }

  /** `link_identity: true`: the identity joins the signed-in user, who gets its address if it had none. */
  async function link(tx: Tx, target: UserRow, x: ExternalIdentity): Promise<UserRow> {
    const [existing] = await tx<IdentityRow[]>`
      select * from auth.identities where provider_id = ${x.sub} and provider = ${x.provider}`;
    if (existing) {
      throw new AuthError(
        422,
        'identity_already_exists',
        existing.user_id === target.id ? 'Identity is already linked' : 'Identity is already linked to another user',
      );
    }
    await insertIdentity(tx, target.id, x);
    if (!target.email) {
      if (!(await emailFromIdentities(tx, target))) {
        throw new AuthError(400, 'email_exists', 'A user with this email address has already been registered');
      }
      if (!x.emailVerified) {
        const reloaded = (await findUser(tx, { id: target.id }))!;
        if (reloaded.email) await sendConfirmation(tx, reloaded);
        const p = x.provider;
        throw new CommittedRefusal(
          new AuthError(
            422,
            'email_not_confirmed',
            `Unverified email with ${p}. A confirmation email has been sent to your ${p} email`,
          ),
        );
      }
      await confirm(tx, target.id);
      await tx`update auth.users set is_anonymous = false where id = ${target.id}`;
    }
    await refreshProviders(tx, target.id);
    return (await findUser(tx, { id: target.id }))!;
  }

  /**
   * Sign-in by `x` (or, with `target`, linking it to that signed-in user) and then `finish` with the user, in one
   * transaction: how the ID-token grant and the OAuth callback both end. A CommittedRefusal is committed, then thrown
   * as its AuthError (GoTrue's CommitWithError).
   */
  async function signInOrLink<T>(
    sql: postgres.Sql,
    x: ExternalIdentity,
    target: UserRow | undefined,
    finish: (tx: Tx, user: UserRow) => Promise<T>,
  ): Promise<T> {
    const outcome = await sql.begin(async (tx) => {
      try {
        const user = target ? await link(tx, target, x) : await signIn(tx, x);
        return { done: await finish(tx, user) };
      } catch (err) {
        if (err instanceof CommittedRefusal) return { refusal: err.error };
        throw err;
      }
    });
    if ('refusal' in outcome) throw outcome.refusal;
    return outcome.done as T;
  }

  return { signIn, link, signInOrLink };
}
