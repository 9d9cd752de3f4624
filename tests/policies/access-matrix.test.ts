// Holds the live database to policies/access-matrix.json: every table of every exposed schema is declared,
// has RLS on, and answers each role's select/insert/update/delete probes exactly as declared.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type postgres from 'postgres';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/stack/project.ts';
import { adminSql } from '../helpers/db.ts';

type Access = 'all' | 'own' | 'none';
type Verb = 'select' | 'insert' | 'update' | 'delete';
type Role = 'anon' | 'authenticated' | 'service_role';
interface TableRules {
  owner: string | null;
  update_column: string;
  fixture: Record<string, unknown>;
  /** SQL creating the owned rows ($user replaced), for tables written only through functions. */
  seed?: string;
  anon: Record<Verb, Access>;
  authenticated: Record<Verb, Access>;
  service_role: Record<Verb, Access>;
}

const matrix = JSON.parse(readFileSync(join(ROOT, 'policies/access-matrix.json'), 'utf8')) as { tables: Record<string, TableRules> };
const ROLES: Role[] = ['anon', 'authenticated', 'service_role'];
const VERBS: Verb[] = ['select', 'insert', 'update', 'delete'];

/** Thrown to roll back a probe's transaction after reading its outcome. */
class Rollback extends Error {
  constructor(readonly outcome: boolean) {
    super('rollback');
  }
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
const qualified = (table: string) => table.split('.').map(quoteIdent).join('.');

function fill(fixture: Record<string, unknown>, user: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fixture).map(([k, v]) => [k, v === '$user' ? user : v]));
}

describe('access matrix', () => {
  const sql = () => adminSql();
  let userA = '';
  let userB = '';

  beforeAll(async () => {
    [userA, userB] = [randomUUID(), randomUUID()];
    for (const id of [userA, userB]) {
      await sql()`insert into auth.users (id, aud, role, email, created_at, updated_at)
                  values (${id}, 'authenticated', 'authenticated', ${`matrix-${id}@test.local`}, now(), now())`;
    }
    // Rows owned by A and by B in every owned table.
    for (const [table, rules] of Object.entries(matrix.tables)) {
      if (!rules.owner) continue;
      for (const user of [userA, userB]) {
        if (rules.seed) {
          await sql().unsafe(rules.seed.replaceAll('$user', user));
          continue;
        }
        const row = fill(rules.fixture, user);
        await sql().unsafe(
          `insert into ${qualified(table)} (${Object.keys(row).map(quoteIdent).join(', ')})
           values (${Object.keys(row).map((_, i) => `$${i + 1}`).join(', ')}) on conflict do nothing`,
          Object.values(row) as never[],
        );
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
    expect([...live.keys()].sort(), 'tables in exposed schemas vs policies/access-matrix.json').toEqual(Object.keys(matrix.tables).sort());
    for (const [name, rls] of live) expect(rls, `RLS on ${name}`).toBe(true);
  });

  /** Runs one probe as the role (and user) in a transaction that is always rolled back. */
  async function probe(role: Role, actor: string | null, run: (tx: postgres.TransactionSql) => Promise<boolean>): Promise<boolean> {
    try {
      await sql().begin(async (tx) => {
        const claims = role === 'authenticated' ? { sub: actor, role, aud: 'authenticated' } : { role };
        await tx`select set_config('role', ${role}, true), set_config('request.jwt.claims', ${JSON.stringify(claims)}, true)`;
        let ok: boolean;
        try {
          ok = await run(tx);
        } catch (err) {
          // Insufficient privilege or a WITH CHECK violation is a refusal; any other error (a unique
          // violation on the fixture, say) means the role got past the access checks.
          ok = (err as { code?: string }).code !== '42501';
        }
        throw new Rollback(ok);
      });
    } catch (err) {
      if (err instanceof Rollback) return err.outcome;
      throw err;
    }
    return false;
  }

  function attempt(table: string, rules: TableRules, verb: Verb, target: string) {
    const t = qualified(table);
    const where = rules.owner ? `where ${quoteIdent(rules.owner)} = $1` : '';
    const params = rules.owner ? [target] : [];
    return async (tx: postgres.TransactionSql) => {
      switch (verb) {
        case 'select':
          return (await tx.unsafe(`select 1 from ${t} ${where} limit 1`, params)).length > 0;
        case 'update': {
          const col = quoteIdent(rules.update_column);
          return (await tx.unsafe(`update ${t} set ${col} = ${col} ${where} returning 1`, params)).length > 0;
        }
        case 'delete':
          return (await tx.unsafe(`delete from ${t} ${where} returning 1`, params)).length > 0;
        case 'insert': {
          const row = fill(rules.fixture, target);
          const cols = Object.keys(row);
          await tx.unsafe(
            `insert into ${t} (${cols.map(quoteIdent).join(', ')}) values (${cols.map((_, i) => `$${i + 1}`).join(', ')})`,
            Object.values(row) as never[],
          );
          return true;
        }
      }
    };
  }

  for (const [table, rules] of Object.entries(matrix.tables)) {
    for (const role of ROLES) {
      for (const verb of VERBS) {
        const expected = rules[role][verb];
        it(`${table}: ${role} ${verb} → ${expected}`, async () => {
          const actor = role === 'authenticated' ? userA : null;
          const own = await probe(role, actor, attempt(table, rules, verb, userA));
          const other = await probe(role, actor, attempt(table, rules, verb, userB));
          const observed: Access = own && other ? 'all' : own ? 'own' : other ? 'other-only' as Access : 'none';
          expect(observed).toBe(role === 'anon' && expected === 'own' ? 'none' : expected);
        });
      }
    }
  }
});
