// Holds the live database to policies/access-matrix.json: every table of every exposed schema is declared,
// has RLS on, and answers each role's select/insert/update/delete probes exactly as declared; the columns a
// client may write are exactly those declared, and derived columns always hold their derived value. An allowed
// probe must succeed and a refused one must be refused with 42501 (or find its rows hidden by RLS): any other
// error fails the test, so a write that breaks (a NOT NULL violation, a trigger raising) is never counted as access.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type postgres from 'postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/stack/project.ts';
import { adminSql } from '../helpers/db.ts';
import {
  detach,
  insertRow,
  makeRoom,
  matching,
  placeRow,
  primaryKey,
  qualified,
  quoteIdent,
  type Row,
  updateColumn,
} from './probe-rows.ts';

type Access = 'all' | 'own' | 'none';
type Verb = 'select' | 'insert' | 'update' | 'delete';
type Role = 'anon' | 'authenticated' | 'service_role';
/** What `authenticated` may write, column by column: every column not listed is refused (42501). */
interface ColumnRules {
  insert: string[];
  update: string[];
  /** Column → SQL expression of the row `r` that its stored value always equals, whoever writes what. */
  derived?: Record<string, string>;
}
interface TableRules {
  owner: string | null;
  update_column: string;
  fixture: Record<string, unknown>;
  /** Fixture columns the database computes from others (ids derived from the owner): column → SQL ($user replaced). */
  fixture_sql?: Record<string, string>;
  /** SQL creating the owned rows ($user replaced), for tables written only through functions. */
  seed?: string;
  anon: Record<Verb, Access>;
  authenticated: Record<Verb, Access>;
  service_role: Record<Verb, Access>;
  /** Required on every table where a client may insert or update any column. */
  columns?: ColumnRules;
}

const matrix = JSON.parse(readFileSync(join(ROOT, 'policies/access-matrix.json'), 'utf8')) as {
  tables: Record<string, TableRules>;
};
const ROLES: Role[] = ['anon', 'authenticated', 'service_role'];
const VERBS: Verb[] = ['select', 'insert', 'update', 'delete'];

/** Thrown to roll back a probe's transaction after reading its outcome. */
class Rollback extends Error {
  constructor(readonly outcome: unknown) {
    super('rollback');
  }
}

const isRefusal = (err: unknown) => (err as { code?: string }).code === '42501';

describe('access matrix', () => {
  const sql = () => adminSql();
  let userA = '';
  let userB = '';
  /** `${table} ${user}` → the table's fixture row for the user, computed columns included. */
  const fixtures = new Map<string, Row>();
  const fixtureRow = (table: string, user: string) => fixtures.get(`${table} ${user}`)!;

  beforeAll(async () => {
    [userA, userB] = [randomUUID(), randomUUID()];
    for (const id of [userA, userB]) {
      await sql()`insert into auth.users (id, aud, role, email, created_at, updated_at)
                  values (${id}, 'authenticated', 'authenticated', ${`matrix-${id}@test.local`}, now(), now())`;
    }
    for (const [table, rules] of Object.entries(matrix.tables)) {
      for (const user of [userA, userB]) {
        const row: Row = Object.fromEntries(
          Object.entries(rules.fixture).map(([k, v]) => [k, v === '$user' ? user : v]),
        );
        for (const [column, expression] of Object.entries(rules.fixture_sql ?? {})) {
          [{ value: row[column] }] = await sql().unsafe(
            `select (${expression.replaceAll('$user', user)})::text as value`,
          );
        }
        fixtures.set(`${table} ${user}`, row);
      }
    }
    // Rows owned by A and by B in every owned table.
    for (const [table, rules] of Object.entries(matrix.tables)) {
      if (!rules.owner) continue;
      for (const user of [userA, userB]) {
        if (rules.seed) await sql().unsafe(rules.seed.replaceAll('$user', user));
        else await insertRow(sql(), table, fixtureRow(table, user), 'on conflict do nothing');
      }
    }
  });

  it('declares every table in the exposed schemas, and every declared table exists with RLS on', async () => {
    const [{ schemas }] = await sql()`
      select split_part(c, '=', 2) as schemas
      from pg_roles r, unnest(r.rolconfig) c where r.rolname = 'authenticator' and c like 'pgrst.db_schemas=%'`;
    const exposed = String(schemas).split(',').map((s) => s.trim());
    const tables = await sql()`
      select n.nspname || '.' || c.relname as name, c.relrowsecurity as rls
      from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname = any(${exposed})`;
    const live = new Map(tables.map((t) => [t.name as string, t.rls as boolean]));
    expect([...live.keys()].sort(), 'tables in exposed schemas vs policies/access-matrix.json').toEqual(
      Object.keys(matrix.tables).sort(),
    );
    for (const [name, rls] of live) expect(rls, `RLS on ${name}`).toBe(true);
  });

  /** Runs `run` in a transaction that is always rolled back, and returns what it returned. */
  async function inRollback<T>(run: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
    try {
      await sql().begin(async (tx) => {
        throw new Rollback(await run(tx));
      });
    } catch (err) {
      if (err instanceof Rollback) return err.outcome as T;
      throw err;
    }
    throw new Error('unreachable: the transaction always rolls back');
  }

  /** For the rest of the transaction, act as PostgREST does for the role (and user); postgres is the server itself. */
  async function actAs(tx: postgres.TransactionSql, role: Role | 'postgres', actor: string | null) {
    const claims = role === 'postgres'
      ? ''
      : JSON.stringify(role === 'authenticated' ? { sub: actor, role, aud: 'authenticated' } : { role });
    await tx`select set_config('role', ${role}, true), set_config('request.jwt.claims', ${claims}, true)`;
  }

  /** One probe: `prepare` arranges rows as the server, `run` acts as the role; true when `run` read or wrote a row. */
  interface Attempt {
    prepare?: (tx: postgres.TransactionSql) => Promise<void>;
    run: (tx: postgres.TransactionSql) => Promise<boolean>;
  }

  /**
   * Runs one probe as the role (and user) in a transaction that is always rolled back. Access is granted only
   * when the statement succeeds, and denied only when RLS hides the rows or Postgres refuses with 42501: any
   * other error fails the test, whatever was expected.
   */
  function probe(role: Role, actor: string | null, attempt: Attempt, what: string): Promise<boolean> {
    return inRollback(async (tx) => {
      await attempt.prepare?.(tx);
      await actAs(tx, role, actor);
      try {
        return await attempt.run(tx);
      } catch (err) {
        if (isRefusal(err)) return false;
        const { code, message } = err as { code?: string; message?: string };
        throw new Error(
          `${what} failed with ${
            code ?? 'no SQLSTATE'
          } (${message}): an allowed statement must succeed, and a refusal must be 42501`,
        );
      }
    });
  }

  /**
   * The probe of a verb on the target user's rows (owned tables) or on any row (other tables). An insert first
   * makes room for the fixture; a delete first removes the rows whose foreign keys would block it, and on a table
   * without owner deletes the fixture's row, put in place first.
   */
  async function attempt(table: string, rules: TableRules, verb: Verb, target: string): Promise<Attempt> {
    const t = qualified(table);
    const row = fixtureRow(table, target);
    if (verb === 'insert') return { prepare: (tx) => makeRoom(tx, table, row), run: (tx) => insertRow(tx, table, row) };
    if (verb === 'delete') {
      const match: Row = rules.owner
        ? { [rules.owner]: target }
        : Object.fromEntries((await primaryKey(sql(), table)).map((c) => [c, row[c]]));
      const { where, params } = await matching(sql(), table, match);
      return {
        prepare: async (tx) => {
          if (!rules.owner) await placeRow(tx, table, row);
          await detach(tx, table, match);
        },
        run: async (tx) => (await tx.unsafe(`delete from ${t} where ${where} returning 1`, params)).length > 0,
      };
    }
    const where = rules.owner ? `where ${quoteIdent(rules.owner)} = $1` : '';
    const params = rules.owner ? [target] : [];
    if (verb === 'select') {
      return { run: async (tx) => (await tx.unsafe(`select 1 from ${t} ${where} limit 1`, params)).length > 0 };
    }
    const col = quoteIdent(rules.update_column);
    return {
      run: async (tx) => (await tx.unsafe(`update ${t} set ${col} = ${col} ${where} returning 1`, params)).length > 0,
    };
  }

  for (const [table, rules] of Object.entries(matrix.tables)) {
    for (const role of ROLES) {
      for (const verb of VERBS) {
        const expected = rules[role][verb];
        it(`${table}: ${role} ${verb} → ${expected}`, async () => {
          const actor = role === 'authenticated' ? userA : null;
          const own = await probe(
            role,
            actor,
            await attempt(table, rules, verb, userA),
            `${table}: ${role} ${verb} of its own row`,
          );
          const other = await probe(
            role,
            actor,
            await attempt(table, rules, verb, userB),
            `${table}: ${role} ${verb} of another user's row`,
          );
          const observed: Access = own && other ? 'all' : own ? 'own' : other ? 'other-only' as Access : 'none';
          expect(observed).toBe(role === 'anon' && expected === 'own' ? 'none' : expected);
        });
      }
    }
  }

  /** A user's row of the table, every column as text (null for null), to write back as parameters. */
  async function storedRow(
    table: string,
    rules: TableRules,
    user: string,
    columns: string[],
  ): Promise<Record<string, string | null>> {
    const [row] = await sql().unsafe(
      `select ${columns.map((c) => `${quoteIdent(c)}::text as ${quoteIdent(c)}`).join(', ')} from ${
        qualified(table)
      } where ${quoteIdent(rules.owner!)} = $1 limit 1`,
      [user],
    );
    if (!row) throw new Error(`${table} has no row of ${user} to take values from`);
    return row as Record<string, string | null>;
  }

  /** Writes one column of the acting user's row: an insert of the fixture with it set, or an update setting it. */
  function columnWrite(
    table: string,
    rules: TableRules,
    verb: 'insert' | 'update',
    column: string,
    value: string | null,
  ): Attempt {
    if (verb === 'update') return { run: (tx) => updateColumn(tx, table, column, value, { [rules.owner!]: userA }) };
    const row = { ...fixtureRow(table, userA), [column]: value };
    return { prepare: (tx) => makeRoom(tx, table, row), run: (tx) => insertRow(tx, table, row) };
  }

  it('declares the writable columns of every table a client may write: exactly the granted ones', async () => {
    for (const [table, rules] of Object.entries(matrix.tables)) {
      const grants = await sql()`
        select r.rolname as role, p.privilege,
               coalesce(array_agg(a.attname::text order by a.attnum)
                          filter (where has_column_privilege(r.rolname, a.attrelid, a.attnum, p.privilege)),
                        '{}') as columns
          from pg_attribute a, pg_roles r, (values ('INSERT'), ('UPDATE')) p (privilege)
         where a.attrelid = ${table}::regclass and a.attnum > 0 and not a.attisdropped
           and r.rolname in ('anon', 'authenticated')
         group by r.rolname, p.privilege`;
      const granted = (role: string, privilege: string) =>
        [...grants.find((g) => g.role === role && g.privilege === privilege)!.columns].sort();
      const declared = rules.columns ?? { insert: [], update: [] };
      expect(granted('authenticated', 'INSERT'), `${table}: columns authenticated may insert`).toEqual(
        [...declared.insert].sort(),
      );
      expect(granted('authenticated', 'UPDATE'), `${table}: columns authenticated may update`).toEqual(
        [...declared.update].sort(),
      );
      if (rules.anon.insert === 'none') {
        expect(granted('anon', 'INSERT'), `${table}: columns anon may insert`).toEqual([]);
      }
      if (rules.anon.update === 'none') {
        expect(granted('anon', 'UPDATE'), `${table}: columns anon may update`).toEqual([]);
      }
    }
  });

  for (const [table, rules] of Object.entries(matrix.tables)) {
    const columns = rules.columns;
    if (!columns) continue;
    for (const verb of ['insert', 'update'] as const) {
      it(`${table}: authenticated ${verb} writes exactly ${columns[verb].join(', ') || 'no column'}`, async () => {
        const columnRows = await sql()`
          select attname::text as name from pg_attribute
           where attrelid = ${table}::regclass and attnum > 0 and not attisdropped order by attnum`;
        const all = columnRows.map((c) => c.name as string);
        const own = await storedRow(table, rules, userA, all);
        const writable: string[] = [];
        for (const column of all) {
          const allowed = await probe(
            'authenticated',
            userA,
            columnWrite(table, rules, verb, column, own[column]),
            `${table}: authenticated ${verb} of ${column}`,
          );
          if (allowed) writable.push(column);
        }
        expect(writable.sort()).toEqual([...columns[verb]].sort());
      });
    }
    for (const [column, expression] of Object.entries(columns.derived ?? {})) {
      it(`${table}: ${column} is always ${expression}, whatever a client or the server writes`, async () => {
        // The value another user's row holds: for day_log_id, linking a record to that user's day.
        const foreign = (await storedRow(table, rules, userB, [column]))[column];
        const outcomes: string[] = [];
        for (const actor of ['authenticated', 'postgres'] as const) {
          for (const verb of ['insert', 'update'] as const) {
            const write = columnWrite(table, rules, verb, column, foreign);
            const outcome = await inRollback(async (tx) => {
              await write.prepare?.(tx);
              await actAs(tx, actor, userA);
              try {
                await write.run(tx);
              } catch (err) {
                if (isRefusal(err)) return 'refused';
                throw err;
              }
              await actAs(tx, 'postgres', null);
              const [{ derived }] = await tx.unsafe(
                `select bool_and(r.${quoteIdent(column)} is not distinct from (${expression})) as derived from ${
                  qualified(table)
                } r where r.${quoteIdent(rules.owner!)} = $1`,
                [userA],
              );
              return derived ? 'derived' : 'kept';
            });
            outcomes.push(`${actor} ${verb}: ${outcome}`);
          }
        }
        expect(outcomes.filter((o) => o.endsWith('kept'))).toEqual([]);
        expect(outcomes.filter((o) => o.startsWith('postgres'))).toEqual([
          'postgres insert: derived',
          'postgres update: derived',
        ]);
      });
    }
  }
});
