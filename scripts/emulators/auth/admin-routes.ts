// The admin users API (/admin/users, service_role only): create, list, read, update, delete, as GoTrue's admin
// handlers answer supabase-js' auth.admin.
import type { EmulatorContext } from './context.ts';
import { type Context, Hono } from 'hono';
import { AuthError, validation } from './errors.ts';
import {
  addIdentity,
  createUser,
  findUser,
  loadUserJson,
  refreshProviders,
  updateMetadata,
  userJson,
  type UserRow,
} from './users.ts';
import { paginationOf } from './pagination.ts';
import { checkPassword, isObject, normalizeEmail, normalizePhone, randomPassword, str } from './validate.ts';

const userNotFound = () => new AuthError(404, 'user_not_found', 'User not found');
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** The :id of an admin user route, refused as GoTrue refuses one that is not a UUID. */
export function userIdParam(c: Context): string {
  const id = c.req.param('id') ?? '';
  if (!UUID.test(id)) throw new AuthError(404, 'validation_failed', 'user_id must be an UUID');
  return id;
}
/** GoTrue's ban_duration: "none" lifts a ban, "<n>h|m|s" bans until then. */
function banUntil(value: unknown): Date | null | undefined {
  if (value === undefined) return undefined;
  if (value === 'none') return null;
  const m = /^(\d+)(h|m|s)$/.exec(String(value));
  if (!m) throw validation('invalid format for ban duration');
  return new Date(Date.now() + Number(m[1]) * (m[2] === 'h' ? 3_600_000 : m[2] === 'm' ? 60_000 : 1000));
}

export function adminRoutes(ctx: EmulatorContext): Hono {
  const { sql, settings, readBody, requireAdmin, hashPassword } = ctx;
  const admin = new Hono();

  admin.use('*', async (c, next) => {
    await requireAdmin(c);
    await next();
  });

  admin.post('/users', async (c) => {
    const b = await readBody(c);
    if (!str(b.email) && !str(b.phone)) throw validation('Cannot create a user without either an email or phone');
    const email = str(b.email) ? normalizeEmail(str(b.email)!) : undefined;
    const phone = str(b.phone) ? normalizePhone(str(b.phone)!) : undefined;
    const user = await sql.begin(async (tx) => {
      if (email && (await findUser(tx, { email }))) {
        throw new AuthError(422, 'email_exists', 'A user with this email address has already been registered');
      }
      if (phone && (await findUser(tx, { phone }))) {
        throw new AuthError(422, 'phone_exists', 'Phone number already registered by another user');
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
        byAdmin: true,
      });
    });
    return c.json(await loadUserJson(sql, user.id));
  });

  admin.get('/users', async (c) => {
    const { page, perPage } = paginationOf(c.req.query('page'), c.req.query('per_page'));
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
      if (isObject(b.user_metadata)) await updateMetadata(tx, id, 'raw_user_meta_data', b.user_metadata);
      if (isObject(b.app_metadata)) await updateMetadata(tx, id, 'raw_app_meta_data', b.app_metadata);
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
        await updateMetadata(tx, id, 'raw_user_meta_data', { email_verified: true });
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

  return admin;
}
