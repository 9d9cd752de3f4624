import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { literalRenderer, pgTimeToIso } from '../../functions/_shared/db.ts';

describe('pgTimeToIso', () => {
  it('keeps dates as calendar dates', () => {
    expect(pgTimeToIso('2026-11-23')).toBe('2026-11-23');
  });
  it('turns timestamptz text into ISO 8601 with microseconds', () => {
    expect(pgTimeToIso('2026-11-23 03:28:55.385479+00')).toBe('2026-11-23T03:28:55.385479+00:00');
    expect(pgTimeToIso('2026-11-23 11:28:55+08')).toBe('2026-11-23T11:28:55+08:00');
    expect(pgTimeToIso('2026-11-23 11:28:55+05:30')).toBe('2026-11-23T11:28:55+05:30');
  });
});

// The literal renderer behind one-message lists: exact text for what it covers, undefined for everything else.
// Queries are only built here, never run, so the address is never dialled.
describe('literalRenderer', () => {
  const sql = postgres('postgres://nobody@127.0.0.1:9/none', { max: 1 });
  afterAll(() => sql.end());
  const render = literalRenderer(sql);

  it('writes each value kind as a literal of the type postgres.js binds it with', () => {
    const at = new Date('2026-11-23T03:28:55.123Z');
    expect(
      render(
        sql`select ${"it's \\ 多"}, ${42}, ${-1.5}, ${(2n ** 63n - 1n) as never}, ${true}, ${false}, ${null}, ${at}`,
      ),
    )
      .toBe(
        "select E'it''s \\\\ 多', '42', '-1.5', '9223372036854775807'::int8, true, false, null, " +
          "'2026-11-23T03:28:55.123Z'::timestamptz",
      );
  });

  it('writes nested fragments, identifiers and a one-row insert helper as postgres.js builds them', () => {
    const row = { id: 'a', 'we"ird': 2 };
    expect(render(sql`insert into ${sql('coach.logs')} ${sql(row)} ${sql`on conflict (${sql('id')}) do nothing`}`))
      .toBe(`insert into "coach"."logs" ("id","we""ird")values(E'a','2') on conflict ("id") do nothing`);
    expect(render(sql`insert into t ${sql({ a: 1, b: 'x', c: null }, 'c', 'a')} returning ${sql`${7}`} as n`))
      .toBe(`insert into t ("c","a")values(null,'1') returning '7' as n`);
  });

  it('refuses a string holding NUL', () => {
    expect(() => render(sql`select ${'a\0b'}`)).toThrow(/NUL/);
  });

  it('renders nothing for a value or a shape it does not cover', () => {
    const uncovered = [
      sql`select ${['a']}::text[]`,
      sql`select ${{ a: 1 } as never}`,
      sql`select ${sql.json({ a: 1 })}`,
      sql`select ${sql.typed('1', 23)}`,
      sql`select ${undefined as never}`,
      sql`select ${Number.NaN}, ${Infinity}`,
      sql`select ${new Date(Number.NaN)}`,
      sql`select ${new Uint8Array([1])}`,
      sql`insert into t ${sql([{ a: 1 }, { a: 2 }])}`, // several rows
      sql`update t set ${sql({ a: 1 })}`,
      sql`select * from t where a in ${sql([1, 2])}`,
      sql`select ${sql`${[1]}`}`, // in a fragment
      sql`insert into t ${sql({ a: [1] })}`, // in a row
      sql.unsafe('select 1'),
      sql`select 1`.values(),
      sql`select 1`.simple(),
      'select 1',
    ];
    for (const q of uncovered) expect(render(q)).toBeUndefined();
  });

  it('renders nothing when a value would land in a string, a comment or a dollar quote, where it is no value', () => {
    const misplaced = [
      sql`select 'a ${'x'} b'`,
      sql`select E'a\\' ${'x'}'`,
      sql`select 1 -- ${'x'}`,
      sql`select 1 /* /* */ ${'x'} */`,
      sql`select $$ ${'x'} $$`,
      sql`select $t$ ${'x'} $t$`,
      sql`select 1 as "${'x'}"`,
      sql`select a${'x'}`, // part of an identifier (a$1) to postgres.js
    ];
    for (const q of misplaced) expect(render(q)).toBeUndefined();
    expect(render(sql`select 'it''s -- no' || ${'x'}, E'\\'' || ${1}, $t$ ' $t$, "a""b", /* c */ ${2} -- e
      , ${3}`)).toBe(`select 'it''s -- no' || E'x', E'\\'' || '1', $t$ ' $t$, "a""b", /* c */ '2' -- e
      , '3'`);
    expect(render(sql`select 'e' || ${'x'}`)).toBe(`select 'e' || E'x'`);
  });

  it('renders nothing for text it does not read: a nested block comment', () => {
    expect(render(sql`select /* c /* d */ */ ${2}`)).toBeUndefined();
  });

  it('picks the helper by the text postgres.js sees, where values are placeholders', () => {
    // Rendered, the value would put ` insert ` last before the helper; postgres.js sees `update … $1, ` and builds an
    // update there, so the renderer must not write an insert.
    expect(render(sql`update t set a = ${' insert '}, ${sql({ b: 1 })}`)).toBeUndefined();
  });
});
