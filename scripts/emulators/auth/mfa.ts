// Multi-factor authentication with TOTP factors, as GoTrue answers supabase.auth.mfa.* (internal/api/mfa.go): enrol,
// challenge, verify (the session steps up to aal2), unenrol; and the admin factor endpoints (admin.go) behind
// supabase.auth.admin.mfa.*. Phone and WebAuthn factors are refused as GoTrue refuses them when they are off, as
// config.toml leaves them.
import { type Context, Hono } from 'hono';
import type { JWTPayload } from 'jose';
import type postgres from 'postgres';
import { renderSVG } from 'uqr';
import type { AuthSettings } from './config.ts';
import { AuthError, validation } from './errors.ts';
import { AMR_METHOD_OF_FACTOR, deleteFactor, factorJson, type FactorRow, factorsOf } from './factors.ts';
import { stepUpSession, type TokenSettings } from './sessions.ts';
import { newTotpSecret, totpUri, verifyTotp } from './totp.ts';
import { findUser, type UserRow } from './users.ts';
import { str } from './validate.ts';

/** What the routes need from the emulator (app.ts): its database, settings and request helpers. */
export interface MfaDeps {
  sql: postgres.Sql;
  settings: AuthSettings;
  tokens: TokenSettings;
  readBody: (c: Context) => Promise<Record<string, unknown>>;
  client: (c: Context) => { ip?: string };
  bearerUser: (c: Context) => Promise<{ user: UserRow; sessionId: string; claims: JWTPayload }>;
  limitAddress: (kind: string, ip: string | undefined, max: number, windowSeconds: number) => void;
  /** The admin path's user id, GoTrue's 404 when it is not a uuid. */
  userIdParam: (c: Context) => string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// A caller the emulator is handed without X-Forwarded-For (in-process tests) is on this machine.
const LOCAL_ADDRESS = '127.0.0.1';
const TYPE_NAME = { totp: 'TOTP', phone: 'Phone', webauthn: 'WebAuthn' } as const;
type FactorType = keyof typeof TYPE_NAME;
const isFactorType = (value: string): value is FactorType => Object.hasOwn(TYPE_NAME, value);

/** The /factors routes (`user`) and the admin factor routes (`admin`, to mount behind the emulator's admin check). */
export function mfaRoutes(deps: MfaDeps): { user: Hono; admin: Hono } {
  const { sql, settings, tokens } = deps;
  const app = new Hono();
  const admin = new Hono();
  const mfa = settings.mfa;
  const enabled = (type: FactorType, step: 'enroll' | 'verify') =>
    type === 'totp' && (step === 'enroll' ? mfa.totpEnrollEnabled : mfa.totpVerifyEnabled);
  const disabled = (type: FactorType, step: 'enroll' | 'verify') => {
    const what = step === 'enroll' ? 'MFA enroll' : 'MFA verification';
    return new AuthError(422, `mfa_${type}_${step}_not_enabled`, `${what} is disabled for ${TYPE_NAME[type]}`);
  };

  /** The signed-in, non-anonymous user every /factors route needs (requireAuthentication, requireNotAnonymous). */
  async function factorOwner(c: Context) {
    const caller = await deps.bearerUser(c);
    if (caller.claims.is_anonymous === true) {
      throw new AuthError(403, 'no_authorization', 'Anonymous user not allowed to perform these actions');
    }
    return caller;
  }

  /** The path's factor, if it is the user's (GoTrue's loadFactor). */
  async function ownedFactor(c: Context, userId: string): Promise<FactorRow> {
    const id = c.req.param('factorId') ?? '';
    if (!UUID.test(id)) throw new AuthError(404, 'validation_failed', 'factor_id must be an UUID');
    const [factor] = await sql<FactorRow[]>`select * from auth.mfa_factors where id = ${id} and user_id = ${userId}`;
    if (!factor) throw new AuthError(404, 'mfa_factor_not_found', 'Factor not found');
    return factor;
  }

  const sessionAal = async (tx: postgres.Sql | postgres.TransactionSql, sessionId: string) =>
    (await tx<{ aal: string | null }[]>`select aal from auth.sessions where id = ${sessionId}`)[0]?.aal;

  /** GoTrue's validateFactors: expired unverified factors go, then the user's name, count and aal rules. */
  async function checkRoomForFactor(tx: postgres.TransactionSql, userId: string, sessionId: string, name: string) {
    await tx`
      delete from auth.mfa_factors f
       where f.status <> 'verified' and f.created_at + make_interval(secs => ${mfa.factorExpiry}) < now()
         and not exists (select 1 from auth.mfa_challenges c where c.factor_id = f.id)`;
    const factors = await factorsOf(tx, userId);
    if (factors.some((f) => (f.friendly_name ?? '') === name)) {
      throw new AuthError(
        422,
        'mfa_factor_name_conflict',
        `A factor with the friendly name ${JSON.stringify(name)} for this user already exists`,
      );
    }
    const verified = factors.filter((f) => f.status === 'verified').length;
    if (factors.length >= mfa.maxEnrolledFactors || verified >= mfa.maxVerifiedFactors) {
      throw new AuthError(
        422,
        'too_many_enrolled_mfa_factors',
        'Maximum number of verified factors reached, unenroll to continue',
      );
    }
    if (verified > 0 && (await sessionAal(tx, sessionId)) !== 'aal2') {
      throw new AuthError(403, 'insufficient_aal', 'AAL2 required to enroll a new factor');
    }
  }

  app.post('/factors', async (c) => {
    const { user, sessionId } = await factorOwner(c);
    const b = await deps.readBody(c);
    const type = str(b.factor_type) ?? '';
    if (!isFactorType(type)) throw validation('factor_type needs to be totp, phone, or webauthn');
    if (!enabled(type, 'enroll')) throw disabled(type, 'enroll');
    const issuer = str(b.issuer) ?? new URL(settings.siteUrl).host;
    const name = typeof b.friendly_name === 'string' ? b.friendly_name : '';
    const factor = await sql.begin(async (tx) => {
      await checkRoomForFactor(tx, user.id, sessionId, name);
      // The authenticator app's account name is the email; GoTrue's TOTP library refuses an empty one.
      if (!user.email) throw new AuthError(500, 'unexpected_failure', 'Error generating QR Code');
      const [row] = await tx<FactorRow[]>`
        insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, secret)
        values (${crypto.randomUUID()}, ${user.id}, ${name}, 'totp', 'unverified', now(), now(), ${newTotpSecret()})
        returning *`;
      return row;
    });
    const uri = totpUri(issuer, user.email!, factor.secret!);
    return c.json({
      id: factor.id,
      type: 'totp',
      friendly_name: name,
      // Raw SVG: supabase-js makes it a data: URL itself.
      totp: { qr_code: renderSVG(uri, { ecc: 'H' }), secret: factor.secret, uri },
    });
  });

  app.post('/factors/:factorId/challenge', async (c) => {
    const { user } = await factorOwner(c);
    const factor = await ownedFactor(c, user.id);
    const ip = deps.client(c).ip;
    deps.limitAddress('mfa_challenge', ip, mfa.challengeAndVerifyPerMinute, 60);
    if (!enabled(factor.factor_type, 'verify')) throw disabled(factor.factor_type, 'verify');
    const challenge = await sql.begin(async (tx) => {
      const [row] = await tx<{ id: string; expires_at: number }[]>`
        insert into auth.mfa_challenges (id, factor_id, created_at, ip_address)
        values (${crypto.randomUUID()}, ${factor.id}, now(), ${ip ?? LOCAL_ADDRESS})
        returning id, floor(extract(epoch from created_at))::int8 + ${mfa.challengeExpiry}::int8 as expires_at`;
      await tx`update auth.mfa_factors set last_challenged_at = now() where id = ${factor.id}`;
      return row;
    });
    return c.json({ id: challenge.id, type: factor.factor_type, expires_at: Number(challenge.expires_at) });
  });

  app.post('/factors/:factorId/verify', async (c) => {
    const { user, sessionId } = await factorOwner(c);
    const factor = await ownedFactor(c, user.id);
    const { ip } = deps.client(c);
    deps.limitAddress('mfa_verify', ip, mfa.challengeAndVerifyPerMinute, 60);
    const b = await deps.readBody(c);
    const challengeId = str(b.challenge_id);
    if (challengeId && !UUID.test(challengeId)) {
      throw new AuthError(400, 'bad_json', 'Could not parse request body as JSON: challenge_id is not a UUID');
    }
    const code = typeof b.code === 'string' ? b.code : '';
    if (!code) throw validation('Code needs to be non-empty');
    if (!enabled(factor.factor_type, 'verify')) throw disabled(factor.factor_type, 'verify');
    const outcome = await sql.begin(async (tx) => {
      const [challenge] = challengeId
        ? await tx<{ id: string; verified_at: Date | null; same_ip: boolean; expired: boolean }[]>`
            select id, verified_at, ip_address = ${ip ?? LOCAL_ADDRESS}::inet as same_ip,
                   created_at + make_interval(secs => ${mfa.challengeExpiry}) < now() as expired
              from auth.mfa_challenges where id = ${challengeId} and factor_id = ${factor.id} for update`
        : [];
      if (!challenge) {
        throw new AuthError(422, 'mfa_factor_not_found', 'MFA factor with the provided challenge ID not found');
      }
      // A challenge answers once, and only to the address that asked for it.
      if (challenge.verified_at || !challenge.same_ip) {
        throw new AuthError(422, 'mfa_ip_address_mismatch', 'Challenge and verify IP addresses mismatch.');
      }
      if (challenge.expired) {
        // Kept deleted although the request fails.
        await tx`delete from auth.mfa_challenges where id = ${challenge.id}`;
        return { expired: challenge.id };
      }
      if (!verifyTotp(factor.secret ?? '', code)) {
        throw new AuthError(422, 'mfa_verification_failed', 'Invalid TOTP code entered');
      }
      await tx`update auth.mfa_challenges set verified_at = now() where id = ${challenge.id}`;
      if (factor.status !== 'verified') {
        await tx`update auth.mfa_factors set status = 'verified', updated_at = now() where id = ${factor.id}`;
      }
      const session = await stepUpSession(tx, tokens, sessionId, AMR_METHOD_OF_FACTOR[factor.factor_type], factor.id);
      // Sessions that never proved the second factor end: from now on this account's sessions are all aal2.
      await tx`delete from auth.sessions where user_id = ${user.id} and aal < 'aal2'`;
      await tx`
        delete from auth.mfa_factors
         where user_id = ${user.id} and status = 'unverified' and factor_type = ${factor.factor_type}`;
      return { session };
    });
    if ('expired' in outcome) {
      throw new AuthError(
        422,
        'mfa_challenge_expired',
        `MFA challenge ${outcome.expired} has expired, verify against another challenge or create a new challenge.`,
      );
    }
    return c.json(outcome.session);
  });

  app.delete('/factors/:factorId', async (c) => {
    const { user, sessionId } = await factorOwner(c);
    const factor = await ownedFactor(c, user.id);
    if (factor.status === 'verified' && (await sessionAal(sql, sessionId)) !== 'aal2') {
      throw new AuthError(422, 'insufficient_aal', 'AAL2 required to unenroll verified factor');
    }
    await sql.begin((tx) => deleteFactor(tx, factor));
    return c.json({ id: factor.id });
  });

  // --- admin (supabase.auth.admin.mfa) ---------------------------------------------------------------------

  async function pathUser(c: Context): Promise<UserRow> {
    const user = await findUser(sql, { id: deps.userIdParam(c) });
    if (!user) throw new AuthError(404, 'user_not_found', 'User not found');
    return user;
  }

  admin.get('/users/:id/factors', async (c) => {
    const user = await pathUser(c);
    return c.json((await factorsOf(sql, user.id)).map(factorJson));
  });

  admin.delete('/users/:id/factors/:factorId', async (c) => {
    const factor = await ownedFactor(c, (await pathUser(c)).id);
    await sql.begin((tx) => deleteFactor(tx, factor));
    return c.json(factorJson(factor));
  });

  admin.put('/users/:id/factors/:factorId', async (c) => {
    const factor = await ownedFactor(c, (await pathUser(c)).id);
    const b = await deps.readBody(c);
    const name = str(b.friendly_name);
    // Only a phone factor has a phone to change, and none can be enrolled here.
    const [updated] = name
      ? await sql<FactorRow[]>`
          update auth.mfa_factors set friendly_name = ${name}, updated_at = now() where id = ${factor.id} returning *`
      : [factor];
    return c.json(factorJson(updated));
  });

  return { user: app, admin };
}
