// SQL text (functions/_shared/sql-text.ts): values written as literals must come back from Postgres exactly as
// sent, whatever they contain, and nothing a value holds can end its literal.
import { describe, expect, it } from 'vitest';
import { ident, insertInto, list, literal, sqlText } from '../../functions/_shared/sql-text.ts';
import { adminSql } from '../helpers/db.ts';

const roundTrip = async (text: string) =>
  (await adminSql().unsafe(text).simple()) as unknown as Record<string, unknown>[];

describe('SQL text', () => {
  const hostile = [
    "it's",
    "'; drop table public.apps; --",
    'back\\slash',
    "\\'; select 1; --",
    "E'\\x27'",
    '$$ $tag$ $$',
    '"quoted"',
    '多语言 🚀',
    '\n\r\t',
    "'' ''' ''''",
    "\\\\'",
    'a\u2028b',
  ];

  it('writes every string so Postgres reads back exactly that string', async () => {
    for (const value of hostile) {
      const [row] = await roundTrip(sqlText`select ${value}::text as v, ${value}::text = ${value}::text as same`.text);
      expect(row).toEqual({ v: value, same: true });
    }
  });

  it('reads back the same under either standard_conforming_strings', async () => {
    for (const setting of ['on', 'off']) {
      const rows = await adminSql().begin(async (tx) => {
        await tx.unsafe(`set local standard_conforming_strings = ${setting}`);
        return tx.unsafe(hostile.map((v) => `select ${literal(v)}::text as v`).join(' union all '));
      });
      expect(rows.map((r) => r.v)).toEqual(hostile);
    }
  });

  it('writes arrays, JSON, numbers, booleans and nulls as their values', async () => {
    const [row] = await roundTrip(
      sqlText`
      select ${['a', "it's", 'x"y', 'back\\slash', '{}', 'NULL']}::text[] as texts, (${[
        'x',
        null,
      ]}::text[])[2] is null as null_element,
             ${[1, -2, 3.5]}::numeric[] as nums,
             ${{
        k: "it's",
        n: [1, 2],
      }}::jsonb as doc, ${-1} as neg, 5 - ${-1} as minus_neg, ${true} as yes, ${null}::int as nothing`.text,
    );
    expect(row).toEqual({
      texts: ['a', "it's", 'x"y', 'back\\slash', '{}', 'NULL'],
      null_element: true,
      nums: ['1', '-2', '3.5'],
      doc: { k: "it's", n: [1, 2] },
      neg: -1,
      minus_neg: 6,
      yes: true,
      nothing: null,
    });
  });

  it('quotes identifiers and builds inserts from objects', async () => {
    expect(ident('coach.work_notes').text).toBe('"coach"."work_notes"');
    expect(ident('we"ird').text).toBe('"we""ird"');
    expect(insertInto('s.t', { a: 1, "b'": "x'" }).text).toBe(`insert into "s"."t" ("a", "b'") values ((1), E'x''')`);
    expect(list(['a', 2, null]).text).toBe("E'a', (2), NULL");
  });

  it('refuses values it cannot write safely', () => {
    expect(() => sqlText`select ${'a\0b'}`).toThrow(/NUL/);
    expect(() => sqlText`select ${Number.NaN}`).toThrow(/finite/);
    expect(() => sqlText`select ${Infinity}`).toThrow(/finite/);
    expect(() => sqlText`select ${new Map() as never}`).toThrow(/cannot write/);
    expect(() => ident('a\0')).toThrow(/NUL/);
  });
});
