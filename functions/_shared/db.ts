// Database access for the functions (postgres.js: runs on Deno and Node alike).
// A user's queries run the way PostgREST runs them: in one transaction that first switches to the
// request's role and publishes the verified JWT claims, so RLS decides what they may see and change.
//
// Features have one API: `asUser(claims, work)` and `asService(work)`, where `work` gets the transaction `tx` and
// writes postgres.js tagged templates on it. How a transaction travels is decided here, from the shape of `work`,
// because round trips are what a request pays for, on both sides:
// - `async (tx) => { … }` (interactive): the opening — `begin` and the settings, one simple-protocol message — goes
//   out pipelined with the handler's first statement on a reserved connection; `commit` follows in a last round trip,
//   once the handler has settled.
// - `(tx) => [tx`…`, tx`…`]` (a list, returned synchronously): no statement can follow, so the opening, every
//   statement and the commit are written at once, one flight; it resolves to each statement's rows. A failing
//   statement leaves the block aborted, so the later ones fail unseen and the commit becomes a rollback.
// postgres.js sends a statement with parameters that it has not prepared on that connection as two round trips (a
// describe, to learn the parameters' types, then the execution), and holds the statements after it until it is
// done: a list is one flight on a warm connection with DB_PREPARE=true, and one round trip more per such statement
// without. The opening, whose values are quoted here, never costs that.
import postgres from 'postgres';
import type { Config } from './env.ts';
import type { Claims } from './jwt.ts';
import { logEvent } from './log.ts';

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;
type Reserved = postgres.ReservedSql;

/** A statement of a list: a query written on the transaction (`tx\`…\``) and not yet awaited. */
type Statement = Promise<unknown> & { execute(): unknown };
/** What a list resolves to: each statement's rows, in order. */
export type RowsOf<S extends readonly Statement[]> = { -readonly [K in keyof S]: Awaited<S[K]> };

export interface Db {
  // The list overloads come first: TypeScript types a callback's return once, by the first overload it tries, and only
  // a `const` type parameter makes a returned array literal a tuple.
  /**
   * Runs `work` in one transaction as the caller (`authenticated` or `anon`), with RLS in force: a function returning
   * its statements as a list (one flight; resolves to each one's rows), or an async function (interactive).
   */
  asUser<const S extends readonly Statement[]>(claims: Claims, work: (tx: Tx) => S): Promise<RowsOf<S>>;
  asUser<T>(claims: Claims, work: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * asUser as `service_role` (RLS bypassed): ledger, webhooks, worker, admin only; the statements must name whose
   * rows they touch.
   */
  asService<const S extends readonly Statement[]>(work: (tx: Tx) => S): Promise<RowsOf<S>>;
  asService<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  /** The pool, for infrastructure that runs one self-contained statement (rate limiting). */
  readonly sql: Sql;
  end(): Promise<void>;
}

const CLIENT_ROLES = new Set(['anon', 'authenticated']);
const SERVICE = { role: 'service_role' } as Claims;

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

/** Savepoints on a reserved connection, with the semantics of postgres.js's own `tx.savepoint`. */
function withSavepoints(conn: Reserved): Tx {
  let next = 0;
  const tx = conn as unknown as Tx;
  (tx as { savepoint: unknown }).savepoint = async <T>(fn: (tx: Tx) => Promise<T>) => {
    const name = `s${next++}`;
    await conn.unsafe(`savepoint ${name}`);
    try {
      const result = await fn(tx);
      await conn.unsafe(`release savepoint ${name}`);
      return result;
    } catch (error) {
      await conn.unsafe(`rollback to savepoint ${name}`);
      throw error;
    }
  };
  return tx;
}

/**
 * A string as a literal (`E'…'`: backslashes and quotes escaped, whatever standard_conforming_strings says), for the
 * opening only: as text in a simple-protocol message it needs neither a describe round trip nor a prepared statement.
 */
function literal(value: string): string {
  if (value.includes('\0')) throw new TypeError('SQL literals cannot contain NUL characters');
  return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/**
 * The message that opens the caller's transaction: begin, then role and claims. The subject goes in
 * `request.jwt.claim.sub` too, which auth.uid() reads before it parses the claims' JSON: RLS calls auth.uid() once
 * per table a statement touches, and the day view alone touches six (283 → 174 µs).
 */
function opening(role: string, claims: Claims): string {
  const sub = typeof claims.sub === 'string'
    ? `, set_config('request.jwt.claim.sub', ${literal(claims.sub)}, true)`
    : '';
  const settings = `select set_config('role', ${literal(role)}, true), set_config('request.jwt.claims', ${
    literal(JSON.stringify(claims))
  }, true)${sub}`;
  return `begin;\n${settings}`;
}

/** A query written on the transaction (postgres.js runs one when it is awaited or executed). */
const isStatement = (value: unknown): value is Statement =>
  value instanceof Promise && typeof (value as Partial<Statement>).execute === 'function';

/** A notice or warning the database sent along with a reply: none is expected, so each one is logged. */
function logNotice(notice: postgres.Notice): void {
  logEvent('warn', 'database notice', { severity: notice.severity, code: notice.code, message: notice.message });
}

export function createDb(
  config: Pick<Config, 'dbUrl' | 'db'>,
  hooks: { onNotice?: (notice: postgres.Notice) => void } = {},
): Db {
  const sql = postgres(config.dbUrl, {
    max: config.db.poolMax,
    prepare: config.db.prepare,
    idle_timeout: 60,
    connect_timeout: 5,
    onnotice: hooks.onNotice ?? logNotice,
    types: timeTypes,
    // Only application_name as a startup parameter: poolers (PgBouncer, Supavisor) refuse ones they do not know.
    connection: { application_name: 'houtai-functions' },
  });

  /**
   * Runs `work` in a transaction on a reserved connection. Everything it started settles before the connection goes
   * back (a handler still running must not outlive it); the first failure, in the order sent, is what rejects.
   */
  async function transaction(role: string, claims: Claims, work: (tx: Tx) => unknown): Promise<unknown> {
    const conn = await sql.reserve();
    try {
      // Sent first, so the work's first statement follows it in the same write.
      const opened = conn.unsafe(opening(role, claims)).simple().execute();
      const tx = withSavepoints(conn);
      let shape: unknown;
      try {
        shape = work(tx);
      } catch (error) {
        shape = Promise.reject(error);
      }
      // A list's statements, then its commit, go out behind the opening at once; an interactive handler's statements
      // go out as it writes them, and its end waits for it.
      const list = Array.isArray(shape) && shape.every(isStatement);
      if (Array.isArray(shape) && !list) shape = Promise.reject(new TypeError('a list holds statements written on tx'));
      const sent = list ? (shape as Statement[]).map((s) => s.execute()) : [Promise.resolve(shape)];
      const closed = list ? conn.unsafe('commit').execute() : undefined;
      const outcomes = await Promise.allSettled([opened, ...sent]);
      const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failed) {
        // The block must end before the connection goes back: a list's commit, sent with it, answers ROLLBACK.
        await (closed ?? conn.unsafe('rollback')).catch(() => {});
        throw failed.reason;
      }
      // A statement the handler sent but never awaited failed: the commit became a rollback.
      const done = await (closed ?? conn.unsafe('commit'));
      if (done.command !== 'COMMIT') throw new Error('the transaction was rolled back');
      const values = outcomes.slice(1).map((o) => (o as PromiseFulfilledResult<unknown>).value);
      return list ? values : values[0];
    } finally {
      conn.release();
    }
  }

  const asClient = (claims: Claims) => {
    // Only client roles: a service-role key must take the explicit, auditable asService path.
    if (!CLIENT_ROLES.has(claims.role)) throw new Error(`as-user database access with role ${claims.role}`);
    return claims.role;
  };
  return {
    sql,
    // Awaited in an async function, so a refused role is a rejection like any other failure.
    asUser: async (claims: Claims, work: (tx: Tx) => unknown) => await transaction(asClient(claims), claims, work),
    asService: (work: (tx: Tx) => unknown) => transaction('service_role', SERVICE, work),
    end: () => sql.end({ timeout: 5 }),
  } as Db;
}
