// SQL statements rendered to text, values written as literals, for the simple query protocol: a request's whole
// transaction (settings and statements) then travels as one Query message and comes back in one answer, with no
// prepared statements (so it works through a transaction-mode pooler) and no describe round trip per statement.
//
// Values never reach the text unquoted: strings become E'' literals (backslashes and quotes escaped, so the result
// does not depend on standard_conforming_strings), numbers must be finite, arrays become array literals, plain
// objects become JSON text, and fragments can only come from this tag. Anything else is refused.

/** A rendered statement or fragment; `T` is the row type a statement returns. */
export class SqlText<T = Record<string, unknown>> {
  declare readonly row: T; // phantom: carries the row type only
  constructor(readonly text: string) {}
}

export type SqlValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | undefined
  | Date
  | SqlText<unknown>
  | readonly (string | number | null)[]
  | { readonly [k: string]: unknown };

/** A string as a literal of unknown type, as `'…'` would be: the context (a column, a cast) gives it its type. */
export function literal(value: string): string {
  if (value.includes('\0')) throw new TypeError('SQL text values cannot contain NUL characters');
  return `E'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/** An array literal ('{…}'), every element quoted; cast it in the statement (`::text[]`). */
function arrayLiteral(values: readonly (string | number | null)[]): string {
  const element = (v: string | number | null) => {
    if (v === null) return 'NULL';
    const s = typeof v === 'number' ? number(v) : v;
    return `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
  };
  return literal(`{${values.map(element).join(',')}}`);
}

function number(value: number): string {
  if (!Number.isFinite(value)) throw new TypeError(`SQL text values must be finite numbers, not ${value}`);
  return String(value);
}

function render(value: SqlValue): string {
  if (value === null || value === undefined) return 'NULL';
  if (value instanceof SqlText) return value.text;
  if (typeof value === 'string') return literal(value);
  // Parenthesised, so a negative number never joins a preceding minus into a comment (`- -1`) or operator.
  if (typeof value === 'number') return `(${number(value)})`;
  if (typeof value === 'bigint') return `(${value.toString()})`;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (value instanceof Date) return literal(value.toISOString());
  if (Array.isArray(value)) return arrayLiteral(value);
  if (Object.getPrototypeOf(value) === Object.prototype) return literal(JSON.stringify(value));
  throw new TypeError(`cannot write a ${Object.prototype.toString.call(value)} into SQL text`);
}

/** The tag: `sqlText<Row>\`select … where id = ${id}\``. */
export function sqlText<T = Record<string, unknown>>(strings: TemplateStringsArray, ...values: SqlValue[]): SqlText<T> {
  let text = strings[0];
  for (let i = 0; i < values.length; i++) text += render(values[i]) + strings[i + 1];
  return new SqlText<T>(text);
}

/** A quoted identifier; `schema.name` is split at the dot. */
export function ident(name: string): SqlText<never> {
  if (name.includes('\0')) throw new TypeError('identifiers cannot contain NUL characters');
  return new SqlText(name.split('.').map((part) => `"${part.replaceAll('"', '""')}"`).join('.'));
}

/** Values separated by commas, each rendered as above (for `in (…)` and `values (…)`). */
export function list(values: readonly SqlValue[]): SqlText<never> {
  return new SqlText(values.map(render).join(', '));
}

/** `insert into <table> (<columns>) values (<values>)` for one row given as an object. */
export function insertInto(table: string, row: Record<string, SqlValue>): SqlText<never> {
  const columns = Object.keys(row);
  return new SqlText(
    `insert into ${ident(table).text} (${columns.map((c) => ident(c).text).join(', ')}) values (${
      list(columns.map((c) => row[c])).text
    })`,
  );
}
