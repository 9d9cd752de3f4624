// Database access for the functions (postgres.js: runs on Deno and Node alike).
// A user's queries run the way PostgREST runs them: in one transaction that first switches to the
// request's role and publishes the verified JWT claims, so RLS decides what they may see and change.
//
// Features have one API: `asUser(claims, work)` and `asService(work)`, where `work` gets the transaction `tx` and
// writes postgres.js tagged templates on it. How a transaction travels is decided here, from the shape of `work`,
// because round trips and protocol messages are what a request pays for, on both sides:
// - `async (tx) => { … }` (interactive): the opening — `begin` and the settings, one simple-protocol message — goes
//   out pipelined with the handler's first statement on a reserved connection; `commit` follows in a last round trip,
//   once the handler has settled.
// - `(tx) => [tx`…`, tx`…`]` (a list, returned synchronously): it resolves to each statement's rows. Every statement
//   must return rows (a select, or `returning`), whichever way the list travels. It travels one of two ways:
//   - one message: the settings and every statement, values written as literals (`literalRenderer`), as one
//     simple-protocol Query: an implicit transaction that commits when the last statement succeeds and rolls back
//     when one fails; one round trip, no prepared statement, no describe;
//   - pipelined: the opening, every statement (postgres.js's extended protocol) and the commit, written at once. A
//     failing statement leaves the block aborted, so the later ones fail unseen and the commit becomes a rollback.
//   The rule, here and nowhere else (`travelsAsOneMessage`): one message when DB_PREPARE is off, or when the list has
//   more than one statement; else pipelined. Without prepared statements (production, behind the transaction pooler)
//   postgres.js describes each statement with parameters in a round trip of its own before executing it, so
//   pipelining always costs more. With them (a direct connection, the bench stack), the same-session bench measured
//   (req/s, one message → pipelined): workout write (2 statements) 1,264 → 953 at c=16 and 1,156 → 709 at c=64, with
//   the functions' CPU per request 0.47 → 0.88 ms and Postgres' 1.11 → 1.57 ms; emoji create (2) 1,480 → 1,000 and
//   1,242 → 1,082; day read (1) 2,867 → 2,568 and 2,602 → 2,202; spends (1, a call of wallet_consume) 1,955 → 2,144
//   and 1,477 → 2,034. Several statements pay for being pipelined; of the single ones, spends gain more (10 %, 38 %)
//   than day reads lose (10 %, 15 %), probably a prepared plan against planning the text each time.
//   A list the renderer cannot write (a value it does not cover, see `literalOf`, or text it does not read, see
//   `placeholdersInCode`) goes pipelined; features pass covered values where a list should go as one message.
//   Either way the opening is queued before `work` runs, so nothing `work` sends can overtake it; a list that goes as
//   one message turns that query into the message before postgres.js writes it (see `transaction`).
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
   * its statements as a list (one message or one flight, see the header; resolves to each one's rows, so each
   * statement must return rows), or an async function (interactive).
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
 * A string as a literal (`E'…'`: backslashes and quotes escaped, whatever standard_conforming_strings says): as text
 * in a simple-protocol message it needs neither a describe round trip nor a prepared statement. Postgres cannot store
 * NUL in text, so a string holding one is refused here rather than truncated.
 */
function literal(value: string): string {
  if (value.includes('\0')) throw new TypeError('SQL literals cannot contain NUL characters');
  return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
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

/** Statements as one simple-protocol message, each separator on a line of its own (a line comment cannot eat it). */
const message = (statements: string[]) => statements.join('\n;\n');

/**
 * A value as postgres.js would bind it, written as a literal; undefined for a value this does not cover. Each literal
 * has the type postgres.js gives the parameter: none for strings and numbers (a quoted literal is of unknown type
 * until its context — a column, a cast, an operator's other side — resolves it, exactly as Postgres resolves a
 * parameter sent untyped), int8 for bigints, boolean, timestamptz for Dates (1184, with our serializer's ISO text).
 */
function literalOf(value: unknown): string | undefined {
  if (value === null) return 'null';
  if (typeof value === 'string') return literal(value);
  // Quoted, as postgres.js sends it ('' + x): a negative number can then never join a preceding minus into `--`.
  if (typeof value === 'number') return Number.isFinite(value) ? `'${value}'` : undefined;
  if (typeof value === 'bigint') return `'${value}'::int8`;
  if (typeof value === 'boolean') return String(value);
  if (value instanceof Date && !Number.isNaN(value.getTime())) return `'${value.toISOString()}'::timestamptz`;
  return undefined; // arrays, objects, tx.json and typed parameters, undefined: postgres.js binds them its own way
}

/**
 * A statement or fragment as postgres.js builds it (`pg`, with `$n` placeholders) and as our literal text: the helper
 * keyword is looked for in the first, as postgres.js looks for it, so no value's content can change the choice.
 */
type Rendered = { pg: string; text: string };

/**
 * Whether postgres.js builds a helper call (`tx(row)`) written right after `before` (its text so far, placeholders
 * included, so no value's content can change the answer) as an insert's columns and values. postgres.js picks the
 * builder by the keyword found last in that text; when the text ends in `insert into <table> `, that keyword is
 * `insert`. Anything else (`update … set ${tx(row)}`, a table name this does not read) is not rendered.
 */
const endsInInsertInto = (before: string) => /(?:^|[\s(])insert\s+into\s+[\w."]+\s*$/i.test(before);

/**
 * The placeholders (`$n`) that stand in SQL code in `pg`, in order, or undefined for text this does not read. A `$n`
 * inside a string, a quoted identifier, a comment or a dollar quote is text, not a placeholder: a value written there
 * as a literal would not stay a value (a newline ends a `--` comment, a quote ends a string), while postgres.js would
 * refuse the statement (it binds a parameter the statement does not have). So the renderer writes a statement only
 * when every value lands in code. Nested block comments are not read: such a statement is not rendered, and its list
 * goes pipelined.
 */
function placeholdersInCode(pg: string): number[] | undefined {
  if (/\/\*(?:(?!\*\/)[\s\S])*\/\*/.test(pg)) return undefined;
  const code = pg.replace(NOT_CODE, ' ');
  return [...code.matchAll(/(?<![\p{L}\p{N}_$])\$(\d+)/gu)].map((m) => Number(m[1]));
}

/**
 * Where SQL code stops, matched left to right: escape strings (`E'…'`, a backslash escapes the next character),
 * strings, quoted identifiers, comments and dollar quotes.
 */
const NOT_CODE = new RegExp(
  [
    String.raw`(?<![\p{L}\p{N}_$])[eE]'(?:[^'\\]|\\[\s\S]|'')*'`,
    String.raw`'(?:[^']|'')*'`,
    String.raw`"(?:[^"]|"")*"`,
    String.raw`--[^\n]*`,
    String.raw`\/\*[\s\S]*?\*\/`,
    String.raw`\$([\p{L}_][\p{L}\p{N}_]*)?\$[\s\S]*?\$\1\$`,
  ].join('|'),
  'gu',
);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null &&
  [Object.prototype, null].includes(Object.getPrototypeOf(value));

/**
 * Writes postgres.js queries as text with literal values: the function returned gives a statement's text, or
 * undefined when it holds anything but what is covered here — tagged templates and fragments nested in them,
 * identifiers (`tx('name')`), a one-row insert helper (`tx(row)`, `tx(row, ...columns)`), and the values `literalOf`
 * writes, each where SQL code stands (`placeholdersInCode`). postgres.js exports
 * none of its query classes and its source files are not a public API, so their constructors are taken here from
 * queries built once on `sql` and never run.
 */
export function literalRenderer(sql: Sql): (statement: unknown) => string | undefined {
  const Query = (sql`` as object).constructor;
  const Identifier = (sql('x') as object).constructor;
  const Helper = (sql({ x: 1 } as never) as object).constructor;
  type TaggedQuery = { strings: readonly string[]; args: unknown[]; tagged: boolean; options: object };
  type Modified = {
    executed?: boolean;
    isRaw?: unknown;
    cursorFn?: unknown;
    forEachFn?: unknown;
    onlyDescribe?: unknown;
  };

  /** A tagged template not yet sent and with no modifier (`.values()`, `.simple()`, `.cursor()`, …) on it. */
  const isPlainTagged = (q: unknown): q is TaggedQuery => {
    if (!(q instanceof Query)) return false;
    const m = q as unknown as TaggedQuery & Modified;
    return m.tagged && !m.executed && !m.isRaw && !m.cursorFn && !m.forEachFn && !m.onlyDescribe &&
      Object.keys(m.options).length === 0;
  };

  /** A tagged query, its values numbered from `n.next` on as postgres.js numbers them across nested fragments. */
  function query(q: unknown, n: { next: number }): Rendered | undefined {
    if (!isPlainTagged(q)) return undefined;
    const out = { pg: q.strings[0], text: q.strings[0] };
    for (let i = 1; i < q.strings.length; i++) {
      const part = value(q.args[i - 1], out.pg, n);
      if (!part) return undefined;
      out.pg += part.pg + q.strings[i];
      out.text += part.text + q.strings[i];
    }
    return out;
  }

  /** What postgres.js puts for a template's value, in its order of checks. */
  function value(v: unknown, before: string, n: { next: number }): Rendered | undefined {
    if (v instanceof Helper) return insertHelper(v as unknown as { first: unknown; rest: unknown[] }, before, n);
    if (v instanceof Query) return query(v, n);
    if (v instanceof Identifier) {
      const quoted = (v as unknown as { value: string }).value;
      return { pg: quoted, text: quoted };
    }
    const text = literalOf(v);
    return text === undefined ? undefined : { pg: `$${++n.next}`, text };
  }

  /** `tx(row)` after `insert`: `("a","b")values(…)`, as postgres.js's builder writes one row. */
  function insertHelper(h: { first: unknown; rest: unknown[] }, before: string, n: { next: number }) {
    if (!endsInInsertInto(before) || !isPlainObject(h.first)) return undefined;
    const row = h.first;
    const columns = h.rest.length ? h.rest.flat() : Object.keys(row);
    if (!columns.every((c): c is string => typeof c === 'string')) return undefined;
    const values: Rendered[] = [];
    for (const c of columns) {
      const part = value(row[c], 'values', n);
      if (!part) return undefined;
      values.push(part);
    }
    // Quoted by postgres.js itself: sql(name) is its identifier.
    const head = `(${columns.map((c) => (sql(c) as unknown as { value: string }).value).join(',')})values(`;
    return {
      pg: `${head}${values.map((p) => p.pg).join(',')})`,
      text: `${head}${values.map((p) => p.text).join(',')})`,
    };
  }

  return (statement) => {
    const n = { next: 0 };
    const rendered = query(statement, n);
    if (!rendered) return undefined;
    const inCode = placeholdersInCode(rendered.pg);
    return inCode?.length === n.next && inCode.every((k, i) => k === i + 1) ? rendered.text : undefined;
  };
}

/** A query written on the transaction (postgres.js runs one when it is awaited or executed). */
const isStatement = (value: unknown): value is Statement =>
  value instanceof Promise && typeof (value as Partial<Statement>).execute === 'function';

/** A list: statements written on the transaction, returned synchronously. */
const isList = (shape: unknown): shape is Statement[] => Array.isArray(shape) && shape.every(isStatement);

/** A list whose statements do not all return rows: it committed, but its results cannot be told apart. */
const rowlessList = () =>
  new Error('every statement of a list must return rows (a select, or returning); the transaction committed');

/**
 * Each statement's rows from a one-message answer. postgres.js starts a new result at each row description, so a
 * statement without rows would merge into the one before it and shift the rest.
 */
function rowsOfMessage(answer: unknown, statements: number): unknown[] {
  // Several results come back as a list of results; one (the settings' only) bare, a result itself.
  const results = 'command' in (answer as object) ? [answer] : answer as unknown[];
  if (results.length !== statements + 1) throw rowlessList();
  return results.slice(1);
}

/** The same rule for a pipelined list, so a list breaking it fails whichever way it travels (DB_PREPARE). */
function rowsPipelined(results: postgres.RowList<postgres.Row[]>[]): unknown[] {
  if (results.some((r) => !r.columns?.length)) throw rowlessList();
  return results;
}

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

  const render = literalRenderer(sql);

  /** How a list travels: the one rule (its reason and numbers are in the header). */
  const travelsAsOneMessage = (list: readonly Statement[]) => !config.db.prepare || list.length > 1;

  /** A list's whole transaction as one message, or undefined when it goes pipelined. */
  function oneMessage(role: string, claims: Claims, list: readonly Statement[]): string | undefined {
    if (!travelsAsOneMessage(list)) return undefined;
    const texts = list.map(render);
    if (texts.some((t) => t === undefined)) return undefined;
    return message([settings(role, claims), ...(texts as string[])]);
  }

  /**
   * Runs `work` in a transaction on a reserved connection. Everything it started settles before the connection goes
   * back (a handler still running must not outlive it); the first failure, in the order sent, is what rejects.
   */
  async function transaction(role: string, claims: Claims, work: (tx: Tx) => unknown): Promise<unknown> {
    const conn = await sql.reserve();
    try {
      // Queued before `work` runs, so nothing `work` sends can overtake it, whatever its shape. postgres.js reads a
      // query's text when it writes it, a microtask after `execute()` (as its own `sql.file()` relies on): a list,
      // returned synchronously, can still make this query its whole transaction.
      const first = conn.unsafe(`begin;\n${settings(role, claims)}`).simple();
      const opened = first.execute();
      const tx = withSavepoints(conn);
      let shape: unknown;
      let whole: string | undefined;
      try {
        shape = work(tx);
        whole = isList(shape) ? oneMessage(role, claims, shape) : undefined;
      } catch (error) {
        shape = Promise.reject(error);
      }
      if (whole !== undefined) {
        (first as unknown as { strings: string[] }).strings = [whole];
        return rowsOfMessage(await opened, (shape as Statement[]).length);
      }
      // A list's statements, then its commit, go out behind the opening at once; an interactive handler's statements
      // go out as it writes them, and its end waits for it.
      const list = isList(shape);
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
      return list ? rowsPipelined(values as postgres.RowList<postgres.Row[]>[]) : values[0];
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
