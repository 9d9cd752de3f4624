// auth.users and auth.identities as GoTrue reads and writes them, and the user JSON it returns.
import type postgres from 'postgres';
import { factorJson, type FactorRow, factorsOf } from './factors.ts';

type Sql = postgres.Sql | postgres.TransactionSql;

export interface UserRow {
  id: string;
  aud: string;
  role: string;
  email: string | null;
  encrypted_password: string | null;
  email_confirmed_at: Date | null;
  invited_at: Date | null;
  confirmation_token: string | null;
  confirmation_sent_at: Date | null;
  recovery_token: string | null;
  recovery_sent_at: Date | null;
  email_change: string | null;
  email_change_token_new: string | null;
  email_change_token_current: string | null;
  email_change_confirm_status: number | null;
  email_change_sent_at: Date | null;
  reauthentication_token: string | null;
  reauthentication_sent_at: Date | null;
  last_sign_in_at: Date | null;
  raw_app_meta_data: Record<string, unknown> | null;
  raw_user_meta_data: Record<string, unknown> | null;
  created_at: Date;
  updated_at: Date;
  phone: string | null;
  phone_confirmed_at: Date | null;
  phone_change: string | null;
  phone_change_token: string | null;
  phone_change_sent_at: Date | null;
  confirmed_at: Date | null;
  banned_until: Date | null;
  deleted_at: Date | null;
  is_anonymous: boolean;
}

export interface IdentityRow {
  id: string;
  provider_id: string;
  user_id: string;
  identity_data: Record<string, unknown>;
  provider: string;
  last_sign_in_at: Date | null;
  created_at: Date;
  updated_at: Date;
  email: string | null;
}

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : undefined);

export function identityJson(i: IdentityRow) {
  return {
    identity_id: i.id,
    id: i.provider_id,
    user_id: i.user_id,
    identity_data: i.identity_data,
    provider: i.provider,
    last_sign_in_at: iso(i.last_sign_in_at) ?? null,
    created_at: iso(i.created_at),
    updated_at: iso(i.updated_at),
    ...(i.email ? { email: i.email } : {}),
  };
}

/** GoTrue's user object, keys in its order; optional timestamps omitted when null, and factors when there are none. */
export function userJson(u: UserRow, identities: IdentityRow[] | null, factors: FactorRow[] = []) {
  const out: Record<string, unknown> = { id: u.id, aud: u.aud, role: u.role, email: u.email ?? '' };
  const opt = (key: string, value: unknown) => {
    if (value !== undefined && value !== null && value !== '') out[key] = value;
  };
  opt('email_confirmed_at', iso(u.email_confirmed_at));
  opt('invited_at', iso(u.invited_at));
  out.phone = u.phone ?? '';
  opt('phone_confirmed_at', iso(u.phone_confirmed_at));
  opt('confirmation_sent_at', iso(u.confirmation_sent_at));
  opt('confirmed_at', iso(u.confirmed_at));
  opt('recovery_sent_at', iso(u.recovery_sent_at));
  opt('new_email', u.email_change);
  opt('email_change_sent_at', iso(u.email_change_sent_at));
  opt('new_phone', u.phone_change);
  opt('phone_change_sent_at', iso(u.phone_change_sent_at));
  opt('last_sign_in_at', iso(u.last_sign_in_at));
  out.app_metadata = u.raw_app_meta_data ?? {};
  out.user_metadata = u.raw_user_meta_data ?? {};
  if (factors.length > 0) out.factors = factors.map(factorJson);
  out.identities = identities ? identities.map(identityJson) : null;
  out.created_at = iso(u.created_at);
  out.updated_at = iso(u.updated_at);
  opt('banned_until', iso(u.banned_until));
  opt('deleted_at', iso(u.deleted_at));
  out.is_anonymous = u.is_anonymous;
  return out;
}

export async function findUser(
  sql: Sql,
  by: { id?: string; email?: string; phone?: string },
): Promise<UserRow | undefined> {
  const [row] = by.id ? await sql<UserRow[]>`select * from auth.users where id = ${by.id}` : by.email
    ? await sql<
      UserRow[]
    >`select * from auth.users where lower(email) = ${by.email.toLowerCase()} and deleted_at is null`
    : await sql<UserRow[]>`select * from auth.users where phone = ${by.phone ?? ''} and deleted_at is null`;
  return row;
}

export async function identitiesOf(sql: Sql, userId: string): Promise<IdentityRow[]> {
  return await sql<IdentityRow[]>`select * from auth.identities where user_id = ${userId} order by created_at, id`;
}

export async function loadUserJson(sql: Sql, userId: string) {
  const user = await findUser(sql, { id: userId });
  if (!user) return undefined;
  return userJson(user, await identitiesOf(sql, userId), await factorsOf(sql, userId));
}

export async function addIdentity(
  sql: Sql,
  user: Pick<UserRow, 'id'>,
  provider: 'email' | 'phone',
  value: string,
  verified: boolean,
) {
  const data = provider === 'email'
    ? { sub: user.id, email: value, email_verified: verified, phone_verified: false }
    : { sub: user.id, phone: value, email_verified: false, phone_verified: verified };
  await sql`
    insert into auth.identities (provider_id, user_id, identity_data, provider, last_sign_in_at, created_at, updated_at)
    values (${user.id}, ${user.id}, ${sql.json(data)}, ${provider}, now(), now(), now())
    on conflict (provider_id, provider) do update set identity_data = excluded.identity_data, updated_at = now()`;
}

/** app_metadata.providers recomputed from identities, oldest first, and `provider` the first of them (GoTrue). */
export async function refreshProviders(sql: Sql, userId: string) {
  await sql`
    update auth.users u set raw_app_meta_data = coalesce(u.raw_app_meta_data, '{}'::jsonb) || jsonb_build_object(
      'provider', (select i.provider from auth.identities i where i.user_id = u.id order by i.created_at, i.id limit 1),
      'providers', coalesce((select jsonb_agg(p.provider order by p.first) from (
        select i.provider, min(i.created_at) as first from auth.identities i
         where i.user_id = u.id group by i.provider) p), '[]'::jsonb))
    where u.id = ${userId} and exists (select 1 from auth.identities i where i.user_id = u.id)`;
}

export interface NewUser {
  id?: string;
  email?: string;
  phone?: string;
  passwordHash?: string;
  emailConfirmed?: boolean;
  phoneConfirmed?: boolean;
  userMetadata?: Record<string, unknown>;
  appMetadata?: Record<string, unknown>;
  isAnonymous?: boolean;
  role?: string;
  bannedUntil?: Date | null;
  /**
   * Made by an admin (create, invite, generate_link): user_metadata is what was sent, and the identities are
   * unverified. A sign-up instead copies its identity's claims into user_metadata, as GoTrue's signup does.
   */
  byAdmin?: boolean;
}

/** Inserts the user and its identity the way GoTrue's signup and admin create do. */
export async function createUser(sql: Sql, n: NewUser): Promise<UserRow> {
  const id = n.id ?? crypto.randomUUID();
  const provider = n.email ? 'email' : n.phone ? 'phone' : undefined;
  const appMeta = n.isAnonymous ? {} : { provider, providers: provider ? [provider] : [], ...n.appMetadata };
  // Confirming an address marks user_metadata as GoTrue's Confirm() does, whoever made the user.
  const userMeta = n.isAnonymous
    ? { ...n.userMetadata }
    : n.byAdmin
    ? { ...n.userMetadata, ...(n.emailConfirmed ? { email_verified: true } : {}) }
    : {
      ...n.userMetadata,
      sub: id,
      ...(n.email ? { email: n.email } : {}),
      email_verified: !!n.emailConfirmed,
      phone_verified: !!n.phoneConfirmed,
    };
  const [user] = await sql<UserRow[]>`
    insert into auth.users (instance_id, id, aud, role, email, encrypted_password, email_confirmed_at,
                            phone, phone_confirmed_at, raw_app_meta_data, raw_user_meta_data, is_anonymous,
                            banned_until, created_at, updated_at)
    values ('00000000-0000-0000-0000-000000000000', ${id}, 'authenticated', ${n.role ?? 'authenticated'},
            ${n.email ?? null}, ${n.passwordHash ?? ''}, ${n.emailConfirmed ? new Date() : null},
            ${n.phone ?? null}, ${n.phoneConfirmed ? new Date() : null},
            ${sql.json(appMeta as never)}, ${sql.json(userMeta as never)}, ${!!n.isAnonymous},
            ${n.bannedUntil ?? null}, now(), now())
    returning *`;
  if (n.email) await addIdentity(sql, user, 'email', n.email, !n.byAdmin && !!n.emailConfirmed);
  if (n.phone) await addIdentity(sql, user, 'phone', n.phone, !n.byAdmin && !!n.phoneConfirmed);
  return user;
}

/**
 * GoTrue's metadata update (UpdateUserMetaData, UpdateAppMetaData): each top-level key of `updates` replaces the
 * stored one, and a null value removes its key.
 */
export async function updateMetadata(
  sql: Sql,
  userId: string,
  column: 'raw_user_meta_data' | 'raw_app_meta_data',
  updates: Record<string, unknown>,
) {
  const removed = Object.keys(updates).filter((key) => updates[key] === null);
  const kept = Object.fromEntries(Object.entries(updates).filter(([, value]) => value !== null));
  await sql`
    update auth.users set ${sql(column)} = (coalesce(${sql(column)}, '{}'::jsonb) || ${sql.json(kept as never)})
                          - ${removed}::text[],
                          updated_at = now()
     where id = ${userId}`;
}
