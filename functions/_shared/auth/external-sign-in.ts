// Sign-in for identities Supabase Auth does not know (a device id, a WeChat openid): each maps to an Auth
// user with an undeliverable address (<provider>-<user id>@<provider>.invalid) and a password derived from
// a server-only secret. Sessions come from Auth's password grant, never from tokens minted here, so
// production and the local emulator behave the same.
import type { Session, User } from '@supabase/supabase-js';
import type { AppId } from '../apps.ts';
import type { Db } from '../db.ts';
import { ApiError } from '../errors.ts';
import type { GoTrue } from './gotrue.ts';

export type ExternalProvider = 'device' | 'wechat';

export interface ExternalIdentity {
  provider: ExternalProvider;
  appId: AppId;
  externalId: string;
  unionId?: string;
}

export interface SignInContext {
  db: Db;
  gotrue: GoTrue;
  secret: string;
  client: { ip?: string; userAgent?: string };
}

export const syntheticEmail = (provider: ExternalProvider, userId: string) => `${provider}-${userId}@${provider}.invalid`;

/** The user's sign-in password: HMAC-SHA256(secret, user id), never stored and never sent to an app. */
export async function derivedPassword(secret: string, userId: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`houtai-sign-in:${userId}`)));
  return btoa(String.fromCharCode(...mac)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

interface Mapping {
  user_id: string;
  provider: ExternalProvider;
}

/**
 * A device id only proves possession of an install. Once the account has a verified phone, a real email or
 * a WeChat identity, the device id alone must no longer open it.
 */
async function isUpgraded(ctx: SignInContext, user: User): Promise<boolean> {
  if (user.phone_confirmed_at) return true;
  if (user.email && user.email_confirmed_at && !user.email.endsWith('.invalid')) return true;
  const wechat = await ctx.db.withService(
    (tx) => tx`select 1 from internal.external_accounts where user_id = ${user.id} and provider = 'wechat' limit 1`,
  );
  return wechat.length > 0;
}

export interface ExternalSignIn {
  session: Session;
  userId: string;
  isNewUser: boolean;
}

export async function signInExternal(
  ctx: SignInContext,
  identity: ExternalIdentity,
  metadata: Record<string, unknown>,
): Promise<ExternalSignIn> {
  const { provider, appId, externalId, unionId } = identity;
  // One transaction, serialised per identity, so two first sign-ins of the same device make one user.
  const { userId, isNewUser } = await ctx.db.withService(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtextextended(${`${provider}:${appId}:${externalId}`}, 0))`;
    let [mapping] = await tx<Mapping[]>`
      select user_id, provider from internal.external_accounts
       where provider = ${provider} and app_id = ${appId} and external_id = ${externalId}`;
    if (!mapping && unionId) {
      // The same WeChat person signing in to another of our mini programs is the same user.
      [mapping] = await tx<Mapping[]>`
        select user_id, provider from internal.external_accounts where provider = ${provider} and union_id = ${unionId} limit 1`;
    }
    if (mapping) {
      await tx`
        insert into internal.external_accounts (provider, app_id, external_id, union_id, user_id)
        values (${provider}, ${appId}, ${externalId}, ${unionId ?? null}, ${mapping.user_id})
        on conflict (provider, app_id, external_id) do update set last_sign_in_at = now(), union_id = coalesce(excluded.union_id, internal.external_accounts.union_id)`;
      return { userId: mapping.user_id, isNewUser: false };
    }
    const id = crypto.randomUUID();
    const { error } = await ctx.gotrue.admin.auth.admin.createUser({
      id,
      email: syntheticEmail(provider, id),
      password: await derivedPassword(ctx.secret, id),
      email_confirm: true,
      user_metadata: { ...metadata, app_id: appId },
      app_metadata: { sign_in_provider: provider },
    });
    if (error) throw new ApiError('UPSTREAM_ERROR', 'Could not create the account.', [{ code: error.code ?? 'auth_error', message: error.message }]);
    await tx`insert into internal.external_accounts (provider, app_id, external_id, union_id, user_id)
             values (${provider}, ${appId}, ${externalId}, ${unionId ?? null}, ${id})`;
    return { userId: id, isNewUser: true };
  });

  // A new account's address is the synthetic one; an existing account is read once, for both checks below.
  let email = syntheticEmail(provider, userId);
  if (!isNewUser) {
    const { data, error } = await ctx.gotrue.admin.auth.admin.getUserById(userId);
    if (error || !data.user) throw new ApiError('UPSTREAM_ERROR', 'Could not read the account.');
    if (provider === 'device' && (await isUpgraded(ctx, data.user))) {
      await audit(ctx, 'sign_in_failed', userId, appId, { provider, reason: 'account_upgraded' });
      throw new ApiError('ACCOUNT_UPGRADED', 'This account is protected by a verified phone, email or WeChat; sign in with that instead.');
    }
    // A WeChat account may since have set a real email: the password grant needs its current one.
    email = data.user.email || email;
  }

  // Forward the app's address and user agent, so Auth's session record and per-IP limits see the app, not us.
  const headers: Record<string, string> = {
    ...(ctx.client.ip ? { 'x-forwarded-for': ctx.client.ip } : {}),
    ...(ctx.client.userAgent ? { 'user-agent': ctx.client.userAgent } : {}),
  };
  const { data, error } = await ctx.gotrue.public(headers).auth.signInWithPassword({ email, password: await derivedPassword(ctx.secret, userId) });
  if (error || !data.session) {
    if (error?.status === 429) throw new ApiError('RATE_LIMITED', 'Too many sign-ins; try again later.', [], { 'Retry-After': '60' });
    throw new ApiError('UPSTREAM_ERROR', 'Could not start a session.', [{ code: error?.code ?? 'auth_error', message: error?.message ?? 'no session' }]);
  }
  await audit(ctx, provider === 'device' ? 'device_login' : 'wechat_login', userId, appId, { new_user: isNewUser });
  return { session: data.session, userId, isNewUser };
}

export async function audit(
  ctx: Pick<SignInContext, 'db' | 'client'>,
  action: string,
  userId: string | null,
  appId: AppId | null,
  details: Record<string, unknown>,
) {
  await ctx.db.withService(
    (tx) => tx`select internal.audit(${action}, ${userId}::uuid, ${appId}::public.app_id, ${ctx.client.ip ?? null}, ${ctx.client.userAgent ?? null}, ${tx.json(details as never)})`,
  );
}
