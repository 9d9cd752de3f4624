// A coach record as the API takes and shows it, per dimension, from the dimension table: what an app sends to create
// or change one, and what every route that returns one (the records routes, a day with its records) answers.
import { z } from '@hono/zod-openapi';
import { partialWithoutDefaults } from '../_shared/validation.ts';
import { type Dimension, DIMENSION_NAMES, DIMENSIONS, LocalDate, serverFields } from './dimensions.ts';

const capitalised = (d: Dimension) => d[0].toUpperCase() + d.slice(1);

/** What a create may carry besides the dimension's fields. */
const CreateMeta = z.object({
  id: z.uuid().optional().openapi({
    description: 'A client-generated id: sending the same create again returns the record instead of a copy',
  }),
  date: LocalDate.optional().openapi({
    description: 'The local date it belongs to; default today (sleep: the day of waking)',
  }),
});

/**
 * What an update may carry besides the dimension's fields: an id is accepted (a record read and sent back) and ignored.
 */
const UpdateMeta = z.object({
  id: z.uuid().optional().openapi({ description: 'Ignored: the path names the record' }),
  date: LocalDate.optional().openapi({ description: 'Moves the record to another local date' }),
});

/**
 * A field as a record shows it: always present, null where the app left an optional field out (a field with a
 * default always has a value).
 */
function shownField(field: z.ZodType): z.ZodType {
  if (field instanceof z.ZodDefault) return field.unwrap() as z.ZodType;
  if (!(field instanceof z.ZodOptional)) return field;
  const inner = field.unwrap() as z.ZodType;
  return inner instanceof z.ZodNullable ? inner : inner.nullable();
}

function recordSchemas(d: Dimension) {
  const fields = DIMENSIONS[d].fields;
  const name = `Coach${capitalised(d)}Record`;
  const shown = Object.fromEntries(Object.entries(fields.shape).map(([k, v]) => [k, shownField(v as z.ZodType)]));
  return {
    create: CreateMeta.extend(fields.shape).strict().openapi(`${name}Create`),
    update: UpdateMeta.extend(partialWithoutDefaults(fields.shape).shape).strict().openapi(`${name}Update`, {
      description: 'The fields sent replace the stored ones; the others keep their values',
    }),
    record: z
      .object({
        id: z.uuid(),
        dimension: z.literal(d),
        date: z.string().openapi({ description: 'The local date it belongs to (YYYY-MM-DD)' }),
        ...shown,
        ...serverFields(d),
        day_score: z.number().int().nullable().openapi({ description: "The day's score after this change" }),
        created_at: z.string(),
        updated_at: z.string(),
        version: z.string(),
      })
      .openapi(name),
  };
}

/** Each dimension's schemas, built once (zod compiles a schema on its first parse). */
export const RECORD_SCHEMAS = Object.fromEntries(DIMENSION_NAMES.map((d) => [d, recordSchemas(d)])) as {
  [D in Dimension]: ReturnType<typeof recordSchemas>;
};

/** A record of any dimension, told apart by `dimension`. */
export type CoachRecord = {
  id: string;
  dimension: Dimension;
  date: string;
  day_score: number | null;
  created_at: string;
  updated_at: string;
  version: string;
} & Record<string, unknown>;

export type RecordRow = Record<string, unknown> & {
  id: string;
  log_date: string;
  created_at: string;
  updated_at: string;
  version: string | number;
};

/** A record row (from a query or from to_jsonb) as the API shows it. */
export function toCoachRecord(d: Dimension, row: RecordRow, dayScore: number | null): CoachRecord {
  const own = Object.fromEntries(
    [...Object.keys(DIMENSIONS[d].fields.shape), ...Object.keys(serverFields(d))].map((k) => [k, row[k] ?? null]),
  );
  return {
    id: row.id,
    dimension: d,
    date: row.log_date,
    ...own,
    day_score: dayScore,
    created_at: row.created_at,
    updated_at: row.updated_at,
    version: String(row.version),
  };
}
