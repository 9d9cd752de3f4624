// Sessions, refresh-token rotation and access tokens, following GoTrue's rules (supabase/auth).
import { type JWK, SignJWT } from 'jose';
import type postgres from 'postgres';
import { AuthError } from './errors.ts';
import { factorsOf } from './factors.ts';
import type { FlowMethod } from './pkce.ts';
import { identitiesOf, userJson, type UserRow } from './users.ts';

type Sql = postgres.Sql | postgres.TransactionSql;
export type AmrMethod = 'password' | 'otp' | 'anonymous' | 'oauth' | FlowMethod;

export interface TokenSettings {
  /** The private ES256 key access tokens are signed with (signing-key.ts). */
  signingKey: JWK;
  issuer: string;
  jwtExpiry: number;
  refreshTokenReuseInterval: number;
}

interface SessionRow {
  id: string;
  user_id: string;
  aal: string;
}

interface RefreshTokenRow {
  id: number;
  token: string;
  user_id: string;
  revoked: boolean;
  parent: string | null;
  session_id: string | null;
  updated_at: Date;
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

/** GoTrue's default refresh token: 12 lowercase base32 characters. */
function newRefreshToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (b) => BASE32[b % 32]).join('');
}

/** Stores a session's refresh token; `parent` is the token it was rotated from (none for a new session). */
async function insertRefreshToken(sql: Sql, token: string, userId: string, sessionId: string, parent: string | null) {
  await sql`
    insert into auth.refresh_tokens (instance_id, token, user_id, revoked, created_at, updated_at, parent, session_id)
    values ('00000000-0000-0000-0000-000000000000', ${token}, ${userId}, false, now(), now(), ${parent}, ${sessionId})`;
}

/** The session's amr claim rows, newest first, each stamped with when it was last (re)asserted, as GoTrue does. */
async function amrOf(sql: Sql, sessionId: string) {
  const rows = await sql<{ authentication_method: string; updated_at: Date }[]>`
    select authentication_method, updated_at from auth.mfa_amr_claims
     where session_id = ${sessionId} order by updated_at desc`;
  return rows.map((r) => ({
    method: r.authentication_method,
    timestamp: Math.floor(new Date(r.updated_at).getTime() / 1000),
  }));
}

/** Methods that prove a second factor: a session holding a claim of one is aal2 (models.AMRClaim.IsAAL2Claim). */
const AAL2_METHODS = new Set(['totp', 'mfa/phone', 'mfa/webauthn']);
const aalOf = (amr: { method: string }[]) => (amr.some((claim) => AAL2_METHODS.has(claim.method)) ? 'aal2' : 'aal1');

/** Records that the session was authenticated by the method, or re-stamps the claim it has (AddClaimToSession). */
export async function addAmrClaim(sql: Sql, sessionId: string, method: string) {
  await sql`
    insert into auth.mfa_amr_claims (session_id, created_at, updated_at, authentication_method, id)
    values (${sessionId}, now(), now(), ${method}, ${crypto.randomUUID()})
    on conflict on constraint mfa_amr_claims_session_id_authentication_method_pkey do update set updated_at = now()`;
}

async function accessToken(sql: Sql, s: TokenSettings, user: UserRow, session: SessionRow) {
  const now = Math.floor(Date.now() / 1000);
  const amr = await amrOf(sql, session.id);
  const claims = {
    iss: s.issuer,
    sub: user.id,
    aud: user.aud,
    exp: now + s.jwtExpiry,
    iat: now,
    email: user.email ?? '',
    phone: user.phone ?? '',
    app_metadata: user.raw_app_meta_data ?? {},
    user_metadata: user.raw_user_meta_data ?? {},
    role: user.role,
    aal: aalOf(amr),
    amr,
    session_id: session.id,
    is_anonymous: user.is_anonymous,
  };
  const header = { alg: 'ES256', kid: s.signingKey.kid, typ: 'JWT' };
  return { token: await new SignJWT(claims).setProtectedHeader(header).sign(s.signingKey), expiresAt: claims.exp };
}

async function sessionBody(sql: Sql, s: TokenSettings, user: UserRow, session: SessionRow, refreshToken: string) {
  const { token, expiresAt } = await accessToken(sql, s, user, session);
  return {
    access_token: token,
    token_type: 'bearer',
    expires_in: s.jwtExpiry,
    expires_at: expiresAt,
    refresh_token: refreshToken,
    user: userJson(user, await identitiesOf(sql, user.id), await factorsOf(sql, user.id)),
  };
}

/** A new session for the user (sign-in of any kind). */
export async function issueSession(
  sql: Sql,
  s: TokenSettings,
  user: UserRow,
  method: AmrMethod,
  client: { ip?: string; userAgent?: string },
) {
  const [session] = await sql<SessionRow[]>`
    insert into auth.sessions (id, user_id, created_at, updated_at, aal, refreshed_at, user_agent, ip)
    values (${crypto.randomUUID()}, ${user.id}, now(), now(), 'aal1', now() at time zone 'utc',
            ${client.userAgent ?? null}, ${client.ip ?? null})
    returning id, user_id, aal`;
  await addAmrClaim(sql, session.id, method);
  const token = newRefreshToken();
  await insertRefreshToken(sql, token, user.id, session.id, null);
  const [fresh] = await sql<UserRow[]>`
    update auth.users set last_sign_in_at = now(), updated_at = now() where id = ${user.id} returning *`;
  return sessionBody(sql, s, fresh, session, token);
}

/** grant_type=refresh_token: rotate, with GoTrue's reuse rules. */
export async function refreshSession(sql: postgres.Sql, s: TokenSettings, presented: string) {
  if (!/^[a-z2-7]{12}$|^[A-Za-z0-9_-]{12,}$/.test(presented)) {
    throw new AuthError(400, 'validation_failed', 'Refresh token is not valid');
  }
  // Revoking every token of the session on reuse must survive the error that follows.
  let reuseDetected = false;
  const result = await sql.begin(async (tx) => {
    const [rt] = await tx<RefreshTokenRow[]>`select * from auth.refresh_tokens where token = ${presented} for update`;
    if (!rt) throw new AuthError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
    if (!rt.session_id) throw new AuthError(400, 'session_not_found', 'Invalid Refresh Token: No Valid Session Found');
    const [session] = await tx<SessionRow[]>`
      select id, user_id, aal from auth.sessions where id = ${rt.session_id} for update`;
    if (!session) throw new AuthError(400, 'session_not_found', 'Invalid Refresh Token: No Valid Session Found');
    const [user] = await tx<UserRow[]>`select * from auth.users where id = ${session.user_id}`;
    if (!user) throw new AuthError(400, 'refresh_token_not_found', 'Invalid Refresh Token: Refresh Token Not Found');
    if (user.banned_until && new Date(user.banned_until) > new Date()) {
      throw new AuthError(400, 'user_banned', 'User is banned');
    }

    let next: string;
    if (!rt.revoked) {
      next = newRefreshToken();
      await tx`update auth.refresh_tokens set revoked = true, updated_at = now() where id = ${rt.id}`;
      await insertRefreshToken(tx, next, rt.user_id, session.id, rt.token);
    } else {
      const [newest] = await tx<RefreshTokenRow[]>`
        select * from auth.refresh_tokens
         where session_id = ${session.id} and revoked = false order by id desc limit 1`;
      // Rotation always leaves a session one live token; none left means reuse was detected and the session ended.
      // Its tokens' updated_at was stamped by that revocation, so the reuse interval must not revive them.
      const reusable = !!newest && Date.now() - new Date(rt.updated_at).getTime() <= s.refreshTokenReuseInterval * 1000;
      if (newest && newest.parent === rt.token) {
        // The client retried with the token it just rotated: hand back the same child.
        next = newest.token;
      } else if (reusable) {
        next = newRefreshToken();
        await insertRefreshToken(tx, next, rt.user_id, session.id, rt.token);
      } else {
        // An old token came back: assume it was stolen and end every token of the session.
        await tx`
          update auth.refresh_tokens set revoked = true, updated_at = now()
           where session_id = ${session.id} and revoked = false`;
        reuseDetected = true;
        return undefined;
      }
    }
    await tx`
      update auth.sessions set refreshed_at = now() at time zone 'utc', updated_at = now() where id = ${session.id}`;
    return sessionBody(tx, s, user, session, next);
  });
  if (reuseDetected || !result) {
    throw new AuthError(400, 'refresh_token_already_used', 'Invalid Refresh Token: Already Used');
  }
  return result;
}

/**
 * The session once a second factor is verified (GoTrue's updateMFASessionAndClaims): the method's amr claim, aal and
 * factor_id from its claims, and its refresh token swapped for a new one, so the token held before the step-up is used
 * up; a new access token for the same session.
 */
export async function stepUpSession(sql: Sql, s: TokenSettings, sessionId: string, method: string, factorId: string) {
  await addAmrClaim(sql, sessionId, method);
  const aal = aalOf(await amrOf(sql, sessionId));
  const [session] = await sql<SessionRow[]>`
    update auth.sessions set aal = ${aal}, factor_id = ${factorId}, updated_at = now() where id = ${sessionId}
    returning id, user_id, aal`;
  const [current] = await sql<RefreshTokenRow[]>`
    update auth.refresh_tokens set revoked = true, updated_at = now()
     where id = (select max(id) from auth.refresh_tokens where session_id = ${sessionId} and revoked = false)
    returning *`;
  const next = newRefreshToken();
  await insertRefreshToken(sql, next, session.user_id, sessionId, current?.token ?? null);
  const [user] = await sql<UserRow[]>`select * from auth.users where id = ${session.user_id}`;
  return sessionBody(sql, s, user, session, next);
}

export async function sessionExists(sql: Sql, id: string): Promise<boolean> {
  const rows = await sql`select 1 from auth.sessions where id = ${id}`;
  return rows.length > 0;
}
