// Database access for the functions (postgres.js: runs on Deno and Node alike).
// A user's queries run the way PostgREST runs them: in one transaction that first switches to the
// request's role and publishes the verified JWT claims, so RLS decides what they may see and change.
//
// Round trips and protocol messages are what a request pays for, on both sides, so:
// - `statementsAsUser`/`statementsAsService` send the settings and every statement as one simple-protocol message,
//   an implicit transaction that commits when the last statement succeeds and rolls back if any fails: one round
//   trip, and no prepared statements, so it is as fast through a transaction-mode pooler as on a direct connection.
// - `withUser`/`withService` open the transaction with one simple-protocol message (begin, then the settings) on a
//   reserved connection, pipelined with the handler's first statement, and commit in a last round trip.
import postgres from 'postgres';
import type { Config } from './env.ts';
import type { Claims } from './jwt.ts';
import { literal, type SqlText } from './sql-text.ts';
import { logEvent } from './log.ts';

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;
type Reserved = postgres.ReservedSql;
type Rows<S> = { -readonly [K in keyof S]: S[K] extends SqlText<infer T> ? T[] : never };

export interface Db {
  /** Runs fn in one transaction as the caller (`authenticated` or `anon`), with RLS in force. */
  withUser<T>(claims: Claims, fn: (tx: Tx) => Promise<T>): Promise<T>;
  /**
   * Runs the statements in one transaction as the caller, in a single round trip; resolves to each one's rows. Every
   * statement must return rows (a select, or RETURNING).
   */
  statementsAsUser<const S extends readonly SqlText<unknown>[]>(claims: Claims, statements: S): Promise<Rows<S>>;
  /** Runs fn in one transaction as `service_role` (RLS bypassed): ledger, webhooks, worker, admin only. */
  withService<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** statementsAsUser as `service_role`: the statements must name whose rows they touch. */
  statementsAsService<const S extends readonly SqlText<unknown>[]>(statements: S): Promise<Rows<S>>;
  /** The pool, for infrastructure that runs one self-contained statement (rate limiting). */
  readonly sql: Sql;
  end(): Promise<void>;
}

/** A rendered statement inside a `withUser`/`withService` transaction (unprepared: its text holds its values). */
export function runText<T>(tx: Tx, statement: SqlText<T>): Promise<T[]> {
  return tx.unsafe(statement.text, [], { prepare: false }) as unknown as Promise<T[]>;
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
 * The statement that makes the transaction the caller's: role and claims. The subject goes in
 * `request.jwt.claim.sub` too, which auth.uid() reads before it parses the claims' JSON: RLS calls auth.uid() once
 * per table a statement touches, and the day view alone touches six (283 → 174 µs).
 */
function settings(role: string, claims: Claims): string {
  const sub = typeof claims.sub === 'string'
    ? `, set_config('request.jwt.claim.sub', ${literal(claims.sub)}, true)`
    : '';
  return `select set_config('role', ${literal(role)}, true), set_config('request.jwt.claims', ${
    literal(JSON.stringify(claims))
  }, true)${sub}`;
}

/** A message of statements, each separator on a line of its own (a statement ending in a line comment cannot swallow it). */
const message = (statements: string[]) => statements.join('\n;\n');

/** A simple-protocol message; several statements in it answer with one result each. */
const send = (conn: Reserved, text: string) =>
  conn.unsafe(text).simple().execute() as unknown as Promise<postgres.RowList<postgres.Row[]>[]>;

/** Ends a failed transaction block on the connection before it goes back to the pool (a broken one is dropped anyway). */
const rollback = async (conn: Reserved) => void (await conn.unsafe('rollback').catch(() => {}));

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
   * Runs `run`'s statements on a reserved connection, waits for everything it started to settle (a handler still
   * running must not outlive the connection), and reports the first failure.
   */
  async function onConnection<T>(
    run: (conn: Reserved) => Promise<T>[],
    after?: (conn: Reserved, failed: boolean) => Promise<void>,
  ): Promise<T[]> {
    const conn = await sql.reserve();
    try {
      const outcomes = await Promise.allSettled(run(conn));
      const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      await after?.(conn, !!failed);
      if (failed) throw failed.reason;
      return outcomes.map((o) => (o as PromiseFulfilledResult<T>).value);
    } finally {
      conn.release();
    }
  }

  async function transaction<T>(role: string, claims: Claims, fn: (tx: Tx) => Promise<T>): Promise<T> {
    let result: T | undefined;
    await onConnection<unknown>(
      (conn) => {
        const opened = send(conn, message(['begin', settings(role, claims)]));
        const tx = withSavepoints(conn);
        // The handler runs at once, its first statement joining the write (a synchronous throw becomes a rejection).
        const body = (async () => fn(tx))();
        return [opened, body.then((r) => (result = r))];
      },
      async (conn, failed) => {
        if (failed) return rollback(conn);
        // A statement the handler sent but never awaited failed: the commit became a rollback.
        const done = await conn.unsafe('commit');
        if (done.command !== 'COMMIT') throw new Error('the transaction was rolled back');
      },
    );
    return result as T;
  }

  /** Settings and statements as one implicit transaction, in one message: a failure leaves no block behind. */
  async function inOneMessage(role: string, claims: Claims, statements: readonly SqlText<unknown>[]): Promise<never> {
    if (statements.length === 0) throw new Error('statementsAs… needs a statement');
    const text = message([settings(role, claims), ...statements.map((s) => s.text)]);
    const [results] = await onConnection((conn) => [send(conn, text)]);
    // postgres.js answers with one result per statement that describes rows: the settings, then each statement. A
    // statement without rows (an insert with no RETURNING) would shift the rest, so none may.
    const rows = results.slice(1);
    if (rows.length !== statements.length) {
      throw new Error(
        `statementsAs…: ${statements.length} statements gave ${rows.length} row results; every statement must return rows`,
      );
    }
    return rows as never;
  }

  const asClient = (claims: Claims) => {
    // Only client roles: a service-role key must take the explicit, auditable withService path.
    if (!CLIENT_ROLES.has(claims.role)) throw new Error(`as-user database access with role ${claims.role}`);
    return claims.role;
  };
  return {
    sql,
    withUser: async (claims, fn) => transaction(asClient(claims), claims, fn),
    statementsAsUser: async (claims, statements) => inOneMessage(asClient(claims), claims, statements),
    withService: (fn) => transaction('service_role', SERVICE, fn),
    statementsAsService: (statements) => inOneMessage('service_role', SERVICE, statements),
    end: () => sql.end({ timeout: 5 }),
  };
}
