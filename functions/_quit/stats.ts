// Statistics over a range of local dates, computed by the schema's functions (quit.checkin_stats,
// quit.smoking_stats): the routes only choose the range (the last 30 local days by default).
import { z } from '@hono/zod-openapi';
import type { Db } from '../_shared/db.ts';
import { ApiError } from '../_shared/errors.ts';
import type { Claims } from '../_shared/jwt.ts';
import { LocalDate } from '../_shared/validation.ts';
import { localToday } from './local-day.ts';

/** The longest range a statistics request may cover. */
const MAX_RANGE_DAYS = 366;

export const DateRange = z.object({
  from: LocalDate.optional().openapi({ description: 'First local date (default: 29 days before `to`)' }),
  to: LocalDate.optional().openapi({ description: "Last local date (default: today in the profile's timezone)" }),
});

export const CheckinStats = z
  .object({
    from: z.string(),
    to: z.string(),
    current_streak: z.number().int(),
    longest_streak: z.number().int(),
    total_days: z.number().int().openapi({ description: 'Days checked in within the range' }),
    days_in_range: z.number().int(),
    checkin_rate: z.number().openapi({ description: 'total_days ÷ days_in_range' }),
    checked_in_dates: z.array(z.string()),
  })
  .openapi('QuitCheckinStats');

const Count = { records: z.number().int(), cigarettes: z.number().int() };

export const SmokingStats = z
  .object({
    from: z.string(),
    to: z.string(),
    timezone: z.string(),
    totals: z.object({
      ...Count,
      days_in_range: z.number().int(),
      days_with_smoking: z.number().int(),
      average_per_day: z.number(),
    }),
    per_day: z.array(z.object({ date: z.string(), ...Count })),
    per_week: z.array(z.object({ week: z.string().openapi({ example: '2026-W48' }), ...Count })),
    by_trigger_tag: z.array(z.object({ tag: z.string(), ...Count })),
    by_hour: z.array(z.object({ hour: z.number().int(), ...Count })),
  })
  .openapi('QuitSmokingStats', {
    description: 'Totals, per local day, per ISO week, by trigger tag and by local hour of day (quit.smoking_stats)',
  });

const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

const STATS = { checkin_stats: CheckinStats, smoking_stats: SmokingStats };
type Stats = typeof STATS;

/** Runs one of the schema's statistics functions for the caller over the range asked (or the default one). */
export async function statsOver<F extends keyof Stats>(
  db: Db,
  user: Claims,
  fn: F,
  range: z.infer<typeof DateRange>,
): Promise<z.infer<Stats[F]>> {
  return await db.asUser(user, async (tx) => {
    const to = range.to ?? await localToday(tx);
    const from = range.from ?? addDays(to, -29);
    if (from > to || addDays(from, MAX_RANGE_DAYS) <= to) {
      throw new ApiError(
        'VALIDATION_FAILED',
        `from must not be after to, and a range covers ${MAX_RANGE_DAYS} days at most.`,
        [
          { field: 'from', in: 'query', message: `${from}..${to}` },
        ],
      );
    }
    const [row] = await tx<[{ stats: z.infer<Stats[F]> }]>`
      select ${tx(`quit.${fn}`)}((select auth.uid()), ${from}::date, ${to}::date) as stats`;
    return row.stats;
  });
}
