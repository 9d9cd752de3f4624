// A superuser connection to the test database, for arranging fixtures and checking outcomes.
import postgres from 'postgres';
import { afterAll } from 'vitest';
import { stackEnv } from './stack.ts';

let sql: postgres.Sql | undefined;

export function adminSql(): postgres.Sql {
  if (!sql) {
    sql = postgres(stackEnv().dbUrl, { max: 4, onnotice: () => {} });
    const mine = sql;
    afterAll(async () => {
      await mine.end();
      if (sql === mine) sql = undefined;
    });
  }
  return sql;
}

/** How many deliveries from this provider's webhook were kept as rejected (refused before anything was applied). */
export async function rejectedWebhooks(provider: string): Promise<number> {
  const [{ n }] = await adminSql()`
    select count(*)::int as n from internal.webhook_events where provider = ${provider} and status = 'rejected'`;
  return n;
}

/**
 * Every column of every table (system catalogs aside) holding one of the needles in its text form,
 * as schema.table.column.
 */
export async function columnsContaining(needles: string[]): Promise<string[]> {
  const sql = adminSql();
  const columns = await sql<{ name: string; query: string }[]>`
    select format('%s.%s.%s', c.table_schema, c.table_name, c.column_name) as name,
           format('select 1 from %I.%I where strpos(%I::text, n) > 0', c.table_schema, c.table_name, c.column_name)
             as query
      from information_schema.columns c
      join information_schema.tables t using (table_schema, table_name)
     where t.table_type = 'BASE TABLE' and c.table_schema not in ('pg_catalog', 'information_schema')`;
  // One statement: a union of an exists test per column, the needles as its one parameter.
  const union = columns
    .map((c, i) => `select ${i} as i where exists (select 1 from unnest($1::text[]) n where exists (${c.query}))`)
    .join(' union all ');
  const hits = await sql.unsafe<{ i: number }[]>(union, [needles as never]);
  return hits.map((h) => columns[h.i].name);
}
