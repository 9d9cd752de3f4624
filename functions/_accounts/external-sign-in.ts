// Sign-in for identities Supabase Auth does not know (a device id, a WeChat openid): each maps to an Auth
// user with an undeliverable address (<provider>-<user id>@<provider>.invalid) and a password derived from
// a server-only secret. Sessions come from Auth's password grant, never from tokens minted here, so
// production and the local emulator behave the same.
//
// A sign-in completes or leaves nothing behind. Our rows (the identity's mapping, the caller's own step, the audit
// line) are written in one transaction that commits last; what Auth already holds when anything fails (an account
// this sign-in created, a session it started) is removed again before the error goes back to the app.
import type { Session, User } from '@supabase/supabase-js';
import type { AppId } from '../_shared/apps.ts';
import type { Db, Tx } from '../_shared/db.ts';
import { hmacSha256 } from '../_shared/digest.ts';
import { ApiError } from '../_shared/errors.ts';
import { logEvent } from '../_shared/log.ts';
import type { GoTrue } from './gotrue.ts';

export type ExternalProvider = 'device' | 'wechat';

export interface ExternalIdentity {
  provider: ExternalProvider;
  appId: AppId;
  /** device: the keyed hash of the device id (device-id.ts), never the id; wechat: the openid. */
  externalId: string;
  unionId?: string;
}

export interface SignInContext {
  db: Db;
  gotrue: GoTrue;
  secret: string;
  client: { ip?: string; userAgent?: string };
}

/** A write of the caller's (registering the device), made in the sign-in's transaction once the account is known. */
export type SignInStep = (tx: Tx, userId: string) => Promise<void>;

export const syntheticEmail = (provider: ExternalProvider, userId: string) =>
  `${provider}-${userId}@${provider}.invalid`;

/** The user's sign-in password: HMAC-SHA256(secret, user id), never stored and never sent to an app. */
export async function derivedPassword(secret: string, userId: string): Promise<string> {
  const mac = await hmacSha256(secret, `houtai-sign-in:${userId}`);
  return btoa(String.fromCharCode(...mac)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

interface Account {
  userId: string;
  email: string;
  isNewUser: boolean;
}

/**
 * A device id only proves possession of an install. Once the account has a verified phone, a real email or
 * a WeChat identity, the device id alone must no longer open it.
 */
async function isUpgraded(tx: Tx, user: User): Promise<boolean> {
  if (user.phone_confirmed_at) return true;
  if (user.email && user.email_confirmed_at && !user.email.endsWith('.invalid')) return true;
  const wechat =
    await tx`select 1 from internal.external_accounts where user_id = ${user.id} and provider = 'wechat' limit 1`;
  return wechat.length > 0;
}

/**
 * The user the identity already signs in as: by its own id, or, for WeChat, the same person in another mini program.
 */
async function mappedUserId(
  tx: Tx,
  { provider, appId, externalId, unionId }: ExternalIdentity,
): Promise<string | undefined> {
  const [own] = await tx<{ user_id: string }[]>`
    select user_id from internal.external_accounts
     where provider = ${provider} and app_id = ${appId} and external_id = ${externalId}`;
  if (own || !unionId) return own?.user_id;
  const [same] = await tx<{ user_id: string }[]>`
    select user_id from internal.external_accounts where provider = ${provider} and union_id = ${unionId} limit 1`;
  return same?.user_id;
}

async function readUser(ctx: SignInContext, userId: string): Promise<User> {
  const { data, error } = await ctx.gotrue.admin.auth.admin.getUserById(userId);
  if (error || !data.user) throw new ApiError('UPSTREAM_ERROR', 'Could not read the account.');
  return data.user;
}

async function createAccount(ctx: SignInContext, { provider, appId }: ExternalIdentity): Promise<Account> {
  const id = crypto.randomUUID();
  const email = syntheticEmail(provider, id);
  const { error } = await ctx.gotrue.admin.auth.admin.createUser({
    id,
    email,
    password: await derivedPassword(ctx.secret, id),
    email_confirm: true,
    user_metadata: { app_id: appId },
    app_metadata: { sign_in_provider: provider },
  });
  if (error) {
    throw new ApiError('UPSTREAM_ERROR', 'Could not create the account.', [{
      code: error.code ?? 'auth_error',
      message: error.message,
    }]);
  }
  return { userId: id, email, isNewUser: true };
}

async function startSession(ctx: SignInContext, account: Account): Promise<Session> {
  // Forward the app's address and user agent, so Auth's session record and per-IP limits see the app, not us.
  const headers: Record<string, string> = {
    ...(ctx.client.ip ? { 'x-forwarded-for': ctx.client.ip } : {}),
    ...(ctx.client.userAgent ? { 'user-agent': ctx.client.userAgent } : {}),
  };
  const password = await derivedPassword(ctx.secret, account.userId);
  const { data, error } = await ctx.gotrue.public(headers).auth.signInWithPassword({ email: account.email, password });
  if (error || !data.session) {
    if (error?.status === 429) {
      throw new ApiError('RATE_LIMITED', 'Too many sign-ins; try again later.', [], { 'Retry-After': '60' });
    }
    throw new ApiError('UPSTREAM_ERROR', 'Could not start a session.', [{
      code: error?.code ?? 'auth_error',
      message: error?.message ?? 'no session',
    }]);
  }
  return data.session;
}

/** Something Auth holds for a sign-in that failed, and how to remove it. */
interface Undo {
  what: 'delete_user' | 'end_session';
  userId: string;
  run: () => Promise<{ error: unknown }>;
}

async function undoAll(undo: Undo[]): Promise<void> {
  for (const step of undo.reverse()) {
    const { error } = await step.run().catch((err: unknown) => ({ error: err }));
    // Left behind after all: say exactly what, so it can be removed by hand.
    if (error) {
      logEvent('error', 'failed sign-in left something behind', {
        undo: step.what,
        user_id: step.userId,
        error: String(error),
      });
    }
  }
}

export interface ExternalSignIn {
  session: Session;
  userId: string;
  isNewUser: boolean;
}

export async function signInExternal(
  ctx: SignInContext,
  identity: ExternalIdentity,
  step?: SignInStep,
): Promise<ExternalSignIn> {
  const { provider, appId, externalId, unionId } = identity;
  const undo: Undo[] = [];
  let outcome: ExternalSignIn | { refused: string };
  try {
    outcome = await ctx.db.asService(async (tx) => {
      // Serialised per identity, so two first sign-ins of the same device make one user.
      await tx`select pg_advisory_xact_lock(hashtextextended(${`${provider}:${appId}:${externalId}`}, 0))`;
      const mapped = await mappedUserId(tx, identity);
      let account: Account;
      if (mapped) {
        const user = await readUser(ctx, mapped);
        if (provider === 'device' && (await isUpgraded(tx, user))) return { refused: user.id };
        // A WeChat account may since have set a real email: the password grant needs its current one.
        account = { userId: user.id, email: user.email || syntheticEmail(provider, user.id), isNewUser: false };
      } else {
        account = await createAccount(ctx, identity);
        // Deleting the account takes its sessions and every row that references it along.
        undo.push({
          what: 'delete_user',
          userId: account.userId,
          run: () => ctx.gotrue.admin.auth.admin.deleteUser(account.userId),
        });
      }
      const session = await startSession(ctx, account);
      if (!account.isNewUser) {
        undo.push({
          what: 'end_session',
          userId: account.userId,
          run: () => ctx.gotrue.admin.auth.admin.signOut(session.access_token, 'local'),
        });
      }
      await tx`
        insert into internal.external_accounts (provider, app_id, external_id, union_id, user_id)
        values (${provider}, ${appId}, ${externalId}, ${unionId ?? null}, ${account.userId})
        on conflict (provider, app_id, external_id) do update
           set last_sign_in_at = now(), union_id = coalesce(excluded.union_id, internal.external_accounts.union_id)`;
      await auditIn(tx, ctx.client, provider === 'device' ? 'device_login' : 'wechat_login', account.userId, appId, {
        new_user: account.isNewUser,
      });
      await step?.(tx, account.userId);
      return { session, userId: account.userId, isNewUser: account.isNewUser };
    });
  } catch (err) {
    await undoAll(undo);
    throw err;
  }
  if ('refused' in outcome) {
    await audit(ctx, 'sign_in_failed', outcome.refused, appId, { provider, reason: 'account_upgraded' });
    throw new ApiError(
      'ACCOUNT_UPGRADED',
      'This account is protected by a verified phone, email or WeChat; sign in with that instead.',
    );
  }
  return outcome;
}

type Client = SignInContext['client'];

function auditIn(
  tx: Tx,
  client: Client,
  action: string,
  userId: string | null,
  appId: AppId | null,
  details: Record<string, unknown>,
) {
  return tx`select internal.audit(${action}, ${userId}::uuid, ${appId}::public.app_id, ${client.ip ?? null}, ${
    client.userAgent ?? null
  }, ${tx.json(details as never)})`;
}

export async function audit(
  ctx: Pick<SignInContext, 'db' | 'client'>,
  action: string,
  userId: string | null,
  appId: AppId | null,
  details: Record<string, unknown>,
) {
  await ctx.db.asService((tx) => auditIn(tx, ctx.client, action, userId, appId, details));
}
