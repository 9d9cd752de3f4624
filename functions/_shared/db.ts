// Database access for the functions (postgres.js: runs on Deno and Node alike).
// A user's queries run the way PostgREST runs them: in one transaction that first switches to the
// request's role and publishes the verified JWT claims, so RLS decides what they may see and change.
import postgres from 'postgres';
import type { Config } from './env.ts';
import type { Claims } from './jwt.ts';

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;

export interface Db {
  /** Runs fn in one transaction as the caller (`authenticated` or `anon`), with RLS in force. */
  withUser<T>(claims: Claims, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Runs fn in one transaction as `service_role` (RLS bypassed): ledger, webhooks, worker, admin only. */
  withService<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** The pool, for infrastructure that runs one self-contained statement (rate limiting). */
  readonly sql: Sql;
  end(): Promise<void>;
}

const CLIENT_ROLES = new Set(['anon', 'authenticated']);

/**
 * Dates and timestamps come back as strings, as PostgREST returns them and as the generated types declare
 * them: dates stay `YYYY-MM-DD` (a user's local day must never shift through a JS Date), timestamps become
 * ISO 8601 with their full microsecond precision.
 */
export function pgTimeToIso(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  return value.replace(' ', 'T').replace(/([+-]\d{2})$/, '$1:00');
}

const timeTypes = {
  date: {
    to: 1184,
    from: [1082, 1114, 1184],
    serialize: (x: Date | string) => (x instanceof Date ? x.toISOString() : x),
    parse: pgTimeToIso,
  },
};

export function createDb(config: Pick<Config, 'dbUrl' | 'db'>): Db {
  const sql = postgres(config.dbUrl, {
    max: config.db.poolMax,
    prepare: config.db.prepare,
    idle_timeout: 60,
    connect_timeout: 5,
    onnotice: () => {},
    types: timeTypes,
    connection: { application_name: 'houtai-functions' },
  });

  const asRole = <T>(role: string, claims: Claims | null, fn: (tx: Tx) => Promise<T>) =>
    sql.begin(async (tx) => {
      // Pipelined: the settings go out now and the handler's first query follows on the same connection without
      // waiting for their answer, saving a round trip per request. If they failed, the transaction is aborted
      // and every later statement fails too: nothing ever runs without the role.
      const settings = tx`select set_config('role', ${role}, true), set_config('request.jwt.claims', ${claims ? JSON.stringify(claims) : ''}, true)`.execute();
      const [, result] = await Promise.all([settings, fn(tx)]);
      return result;
    }) as Promise<T>;

  return {
    sql,
    withUser(claims, fn) {
      // Only client roles: a service-role key must take the explicit, auditable withService path.
      if (!CLIENT_ROLES.has(claims.role)) throw new Error(`withUser called with role ${claims.role}`);
      return asRole(claims.role, claims, fn);
    },
    withService(fn) {
      return asRole('service_role', { role: 'service_role' } as Claims, fn);
    },
    end: () => sql.end({ timeout: 5 }),
  };
}
