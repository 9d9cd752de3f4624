// A coach record as the API shows it, whichever route returns it (the records routes, a day with its records).
import { z } from '@hono/zod-openapi';
import { DIMENSION_NAMES, DIMENSIONS, type Dimension } from './dimensions.ts';

export const CoachRecord = z
  .object({
    id: z.uuid(),
    dimension: z.enum(DIMENSION_NAMES as [Dimension, ...Dimension[]]),
    date: z.string(),
    day_score: z.number().int().nullable().openapi({ description: 'The day\'s score after this change' }),
    created_at: z.string(),
    updated_at: z.string(),
    version: z.string(),
  })
  .catchall(z.unknown())
  .openapi('CoachRecord', { description: 'The record\'s own fields as sent (see each dimension\'s body) plus these' });

export type RecordRow = Record<string, unknown> & { id: string; log_date: string; created_at: string; updated_at: string; version: string | number };

/** A record row (from a query or from to_jsonb) as the API shows it. */
export function toCoachRecord(d: Dimension, row: RecordRow, dayScore: number | null): z.infer<typeof CoachRecord> {
  const own = Object.fromEntries(Object.keys(DIMENSIONS[d].fields.shape).map((k) => [k, row[k] ?? null]));
  return {
    id: row.id, dimension: d, date: row.log_date, ...own, ...(d === 'reading' ? { ai_summary: row.ai_summary ?? null } : {}),
    day_score: dayScore, created_at: row.created_at, updated_at: row.updated_at, version: String(row.version),
  };
}
