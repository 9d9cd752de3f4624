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
// - A preamble (the rate-limit take) leads either message in a transaction block of its own, committed ahead of the
//   request's transaction, which is then an explicit block too. A COMMIT inside a message's implicit block would
//   commit it, but with a WARNING ("there is no transaction in progress") in the reply and in the server's log on
//   every request. The price: a failed message leaves its block aborted, so the connection rolls back before reuse.
import postgres from 'postgres';
import type { Config } from './env.ts';
import type { Claims } from './jwt.ts';
import { literal, type SqlText } from './sql-text.ts';

export type Sql = postgres.Sql;
export type Tx = postgres.TransactionSql;
type Reserved = postgres.ReservedSql;
type Rows<S> = { -readonly [K in keyof S]: S[K] extends SqlText<infer T> ? T[] : never };

/**
 * A statement sent ahead of a transaction in the same message (rate limiting): committed on its own before the
 * transaction starts, and if it raises, the rest of the message (the whole transaction) is skipped.
 */
export interface Preamble {
  before: SqlText;
  /** Called when the preamble goes out. */
  onSent?(): void;
  /** The error to throw for a failed message (the preamble's own refusal, or else the error as it is). */
  refusal(error: unknown): unknown;
}

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
  /** The same Db, with a preamble sent ahead of its next transaction only. */
  withPreamble(preamble: Preamble): Db;
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
  const sub = typeof claims.sub === 'string' ? `, set_config('request.jwt.claim.sub', ${literal(claims.sub)}, true)` : '';
  return `select set_config('role', ${literal(role)}, true), set_config('request.jwt.claims', ${literal(JSON.stringify(claims))}, true)${sub}`;
}

/**
 * A message of statements, each separator on a line of its own (a statement ending in a line comment cannot swallow
 * it), led by the preamble in a block of its own.
 */
function message(preamble: Preamble | undefined, statements: string[]): string {
  return [...(preamble ? ['begin', preamble.before.text, 'commit'] : []), ...statements].join('\n;\n');
}

/** A simple-protocol message; several statements in it answer with one result each. */
const send = (conn: Reserved, text: string) => conn.unsafe(text).simple().execute() as unknown as Promise<postgres.RowList<postgres.Row[]>[]>;

/** Ends a failed transaction block on the connection before it goes back to the pool (a broken one is dropped anyway). */
const rollback = async (conn: Reserved) => void (await conn.unsafe('rollback').catch(() => {}));

/** A notice or warning the database sent along with a reply: none is expected, so each one is logged. */
function logNotice(notice: postgres.Notice): void {
  console.warn(JSON.stringify({ level: 'warn', time: new Date().toISOString(), msg: 'database notice', severity: notice.severity, code: notice.code, message: notice.message }));
}

export function createDb(config: Pick<Config, 'dbUrl' | 'db'>, hooks: { onNotice?: (notice: postgres.Notice) => void } = {}): Db {
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
   * running must not outlive the connection), and reports the first failure, as the preamble's refusal if it was.
   */
  async function onConnection<T>(preamble: Preamble | undefined, run: (conn: Reserved) => Promise<T>[], after: (conn: Reserved, failed: boolean) => Promise<void>): Promise<T[]> {
    const conn = await sql.reserve();
    try {
      preamble?.onSent?.();
      const outcomes = await Promise.allSettled(run(conn));
      const failed = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      await after(conn, !!failed);
      if (failed) throw preamble ? preamble.refusal(failed.reason) : failed.reason;
      return outcomes.map((o) => (o as PromiseFulfilledResult<T>).value);
    } finally {
      conn.release();
    }
  }

  async function transaction<T>(role: string, claims: Claims, preamble: Preamble | undefined, fn: (tx: Tx) => Promise<T>): Promise<T> {
    let result: T | undefined;
    const opening = message(preamble, ['begin', settings(role, claims)]);
    await onConnection<unknown>(
      preamble,
      (conn) => {
        const opened = send(conn, opening);
        const tx = withSavepoints(conn);
        // The handler runs at once, its first statement joining the write (a synchronous throw becomes a rejection).
        // Behind a preamble it waits for the opening instead, so a refused request runs none of the handler (its
        // statements would only fail in the aborted block, but what it does besides them, a provider call, would run).
        const body = preamble ? opened.then(() => fn(tx)) : (async () => fn(tx))();
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

  /** Settings and statements as one transaction (implicit; an explicit block behind a preamble), in one message. */
  async function inOneMessage(role: string, claims: Claims, preamble: Preamble | undefined, statements: readonly SqlText<unknown>[]): Promise<never> {
    if (statements.length === 0) throw new Error('statementsAs… needs a statement');
    const own = [settings(role, claims), ...statements.map((s) => s.text)];
    // Behind a preamble the statements form an explicit block too, so whatever fails, the connection is left in an
    // aborted block that one rollback ends (without one, a failure in the preamble's block would leave it aborted,
    // and a failure after it would leave no block, where a rollback warns).
    const text = message(preamble, preamble ? ['begin', ...own, 'commit'] : own);
    const [results] = await onConnection(preamble, (conn) => [send(conn, text)], async (conn, failed) => {
      if (failed && preamble) await rollback(conn);
    });
    // postgres.js answers with one result per statement that describes rows, plus an empty first one when the
    // message opens with a statement that does not (the preamble's `begin`): then the preamble's select, the
    // settings, and each statement. A statement without rows (an insert with no RETURNING) would shift the rest, so
    // none may.
    const rows = results.slice(preamble ? 3 : 1);
    if (rows.length !== statements.length) throw new Error(`statementsAs…: ${statements.length} statements gave ${rows.length} row results; every statement must return rows`);
    return rows as never;
  }

  function build(preamble?: Preamble): Db {
    const asClient = (claims: Claims) => {
      // Only client roles: a service-role key must take the explicit, auditable withService path.
      if (!CLIENT_ROLES.has(claims.role)) throw new Error(`as-user database access with role ${claims.role}`);
      return claims.role;
    };
    // A preamble goes with the first transaction only.
    const take = () => {
      const p = preamble;
      preamble = undefined;
      return p;
    };
    return {
      sql,
      withUser: async (claims, fn) => transaction(asClient(claims), claims, take(), fn),
      statementsAsUser: async (claims, statements) => inOneMessage(asClient(claims), claims, take(), statements),
      withService: (fn) => transaction('service_role', SERVICE, take(), fn),
      statementsAsService: (statements) => inOneMessage('service_role', SERVICE, take(), statements),
      withPreamble: (p) => build(p),
      end: () => sql.end({ timeout: 5 }),
    };
  }
  return build();
}
