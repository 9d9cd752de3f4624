// The rows the access-matrix probes write, arranged by the server inside the probe's rolled-back transaction so
// that a probe can only succeed or be refused on access alone: room for an insert (no duplicate of a seeded row),
// no dependants left to block a delete, and every value sent as text and cast to its column's type (a JSON
// parameter would otherwise be sent as a JSON string and fail a check constraint instead of proving anything).
import type postgres from 'postgres';

type Tx = postgres.TransactionSql;
export type Row = Record<string, unknown>;

export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
export const qualified = (table: string) => table.split('.').map(quoteIdent).join('.');

/** A value as the text Postgres reads back into its column's type. */
const asText = (value: unknown): string | null =>
  value === null || value === undefined ? null : typeof value === 'object' ? JSON.stringify(value) : String(value);

const columnTypes = new Map<string, Promise<Map<string, string>>>();

/** Column → SQL type of the table (cached: the schema does not change during a run). */
function typesOf(sql: postgres.Sql | Tx, table: string): Promise<Map<string, string>> {
  let types = columnTypes.get(table);
  if (!types) {
    types = sql<{ name: string; type: string }[]>`
      select attname::text as name, format_type(atttypid, atttypmod) as type
        from pg_attribute where attrelid = ${table}::regclass and attnum > 0 and not attisdropped`
      .then((rows) => new Map(rows.map((r) => [r.name, r.type])));
    columnTypes.set(table, types);
  }
  return types;
}

/** The row's columns, their `$n::text::type` placeholders (numbered from `first`) and their parameters. */
async function typed(sql: postgres.Sql | Tx, table: string, row: Row, first = 1) {
  const types = await typesOf(sql, table);
  const columns = Object.keys(row);
  const casts = columns.map((c, i) => {
    const type = types.get(c);
    if (!type) throw new Error(`${table} has no column ${c}`);
    return `$${first + i}::text::${type}`;
  });
  return { columns, casts, params: columns.map((c) => asText(row[c])) as never[] };
}

/** Inserts the row, each value cast from text to its column's type; `tail` is appended (e.g. on conflict). */
export async function insertRow(sql: postgres.Sql | Tx, table: string, row: Row, tail = ''): Promise<true> {
  const { columns, casts, params } = await typed(sql, table, row);
  await sql.unsafe(
    `insert into ${qualified(table)} (${columns.map(quoteIdent).join(', ')}) values (${casts.join(', ')}) ${tail}`,
    params,
  );
  return true;
}

/** Sets one column of the rows matching `match`, the value cast from text. */
export async function updateColumn(tx: Tx, table: string, column: string, value: unknown, match: Row): Promise<true> {
  const { casts, params } = await typed(tx, table, { [column]: value });
  const filter = await matching(tx, table, match, '', 2);
  await tx.unsafe(
    `update ${qualified(table)} set ${quoteIdent(column)} = ${casts[0]} where ${filter.where}`,
    [...params, ...filter.params] as never[],
  );
  return true;
}

/** Runs `work` as the server with triggers off (foreign keys, append-only guards), then turns them back on. */
async function withoutTriggers(tx: Tx, work: () => Promise<void>) {
  await tx`set local session_replication_role = replica`;
  await work();
  await tx`set local session_replication_role = origin`;
}

/** Deletes, as the server, every row that holds a unique key `row` would take, so inserting `row` cannot collide. */
export async function makeRoom(tx: Tx, table: string, row: Row) {
  const keys = await tx<{ columns: string[]; predicate: string | null }[]>`
    select array_agg(a.attname::text order by k.ord) as columns, pg_get_expr(i.indpred, i.indrelid) as predicate
      from pg_index i
      cross join lateral unnest(i.indkey) with ordinality k (attnum, ord)
      join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
     where i.indrelid = ${table}::regclass and i.indisunique and not (0 = any(i.indkey::int2[]))
     group by i.indexrelid, i.indpred, i.indrelid`;
  await withoutTriggers(tx, async () => {
    for (const { columns, predicate } of keys) {
      if (!columns.every((c) => c in row)) continue;
      const { where, params } = await matching(tx, table, Object.fromEntries(columns.map((c) => [c, row[c]])));
      await tx.unsafe(
        `delete from ${qualified(table)} where ${where}${predicate ? ` and (${predicate})` : ''}`,
        params,
      );
    }
  });
}

/** Puts the row in place as the server (replacing any row holding one of its unique keys). */
export async function placeRow(tx: Tx, table: string, row: Row) {
  await makeRoom(tx, table, row);
  await withoutTriggers(tx, async () => void (await insertRow(tx, table, row)));
}

/** `col = $n::text::type and …` matching `match`, and its parameters. */
export async function matching(sql: postgres.Sql | Tx, table: string, match: Row, alias = '', first = 1) {
  const { columns, casts, params } = await typed(sql, table, match, first);
  return { where: columns.map((c, i) => `${alias}${quoteIdent(c)} = ${casts[i]}`).join(' and '), params };
}

/** The table's primary key columns. */
export async function primaryKey(sql: postgres.Sql | Tx, table: string): Promise<string[]> {
  const [{ columns }] = await sql<[{ columns: string[] }]>`
    select array_agg(a.attname::text order by k.ord) as columns
      from pg_index i
      cross join lateral unnest(i.indkey) with ordinality k (attnum, ord)
      join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
     where i.indrelid = ${table}::regclass and i.indisprimary`;
  return columns;
}

/**
 * Deletes, as the server, the rows of other tables whose foreign keys would refuse deleting the rows of `table`
 * matching `match` (no action / restrict), so a delete probe is decided by access alone.
 */
export async function detach(tx: Tx, table: string, match: Row) {
  const references = await tx<{ referencing: string; fk: string[]; pk: string[] }[]>`
    select c.conrelid::regclass::text as referencing,
           (select array_agg(a.attname::text order by k.o) from unnest(c.conkey) with ordinality k (n, o)
              join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.n) as fk,
           (select array_agg(a.attname::text order by k.o) from unnest(c.confkey) with ordinality k (n, o)
              join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k.n) as pk
      from pg_constraint c
     where c.contype = 'f' and c.confrelid = ${table}::regclass and c.confdeltype in ('a', 'r')`;
  const { where, params } = await matching(tx, table, match, 'x.');
  await withoutTriggers(tx, async () => {
    for (const { referencing, fk, pk } of references) {
      const join = fk.map((f, i) => `r.${quoteIdent(f)} = x.${quoteIdent(pk[i])}`).join(' and ');
      await tx.unsafe(`delete from ${referencing} r using ${qualified(table)} x where ${join} and ${where}`, params);
    }
  });
}
