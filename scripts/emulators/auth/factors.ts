// auth.mfa_factors as GoTrue reads them, the factor JSON it returns (models/factor.go), and what removing a factor does
// to the sessions it raised to aal2.
import type postgres from 'postgres';

type Sql = postgres.Sql | postgres.TransactionSql;

export interface FactorRow {
  id: string;
  user_id: string;
  friendly_name: string | null;
  factor_type: 'totp' | 'phone' | 'webauthn';
  status: 'unverified' | 'verified';
  created_at: Date;
  updated_at: Date;
  secret: string | null;
  phone: string | null;
  last_challenged_at: Date | null;
}

/** The amr method a verification with a factor of this type adds to its session (models.amrMethodForFactorType). */
export const AMR_METHOD_OF_FACTOR = { totp: 'totp', phone: 'mfa/phone', webauthn: 'mfa/webauthn' } as const;

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** GoTrue's factor object, keys in its order: an empty friendly name is left out, phone is "" when there is none. */
export function factorJson(f: FactorRow) {
  return {
    id: f.id,
    created_at: iso(f.created_at),
    updated_at: iso(f.updated_at),
    status: f.status,
    ...(f.friendly_name ? { friendly_name: f.friendly_name } : {}),
    factor_type: f.factor_type,
    phone: f.phone ?? '',
    last_challenged_at: iso(f.last_challenged_at),
  };
}

/** The user's factors of every status, oldest first (user.factors). */
export async function factorsOf(sql: Sql, userId: string): Promise<FactorRow[]> {
  return await sql<FactorRow[]>`select * from auth.mfa_factors where user_id = ${userId} order by created_at, id`;
}

/**
 * Deletes the factor; the sessions it raised to aal2 lose its amr claim and go back to aal1 (GoTrue's
 * DowngradeSessionsToAAL1). Their access tokens keep saying aal2 until they expire; the next refresh says aal1.
 */
export async function deleteFactor(sql: Sql, factor: FactorRow) {
  await sql`delete from auth.mfa_factors where id = ${factor.id}`;
  await sql`
    delete from auth.mfa_amr_claims
     where authentication_method = ${AMR_METHOD_OF_FACTOR[factor.factor_type]}
       and session_id in (select id from auth.sessions where factor_id = ${factor.id})`;
  await sql`
    update auth.sessions set aal = 'aal1', factor_id = null
     where user_id = ${factor.user_id} and factor_id = ${factor.id}`;
}
