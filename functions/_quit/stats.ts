// Statistics over a range of local dates, computed by the schema's functions (quit.checkin_stats,
// quit.smoking_stats): the routes only choose the range (the last 30 local days by default).
import { z } from '@hono/zod-openapi';
import type { Db } from '../_shared/db.ts';
import { ApiError } from '../_shared/errors.ts';
import type { Claims } from '../_shared/jwt.ts';
import { JsonObject, LocalDate } from '../_shared/validation.ts';
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
  })
  .catchall(z.unknown())
  .openapi('QuitCheckinStats');

export const SmokingStats = z
  .object({ from: z.string(), to: z.string() })
  .catchall(z.unknown())
  .openapi('QuitSmokingStats', {
    description: 'Totals, per local day, per ISO week, by trigger tag and by local hour of day (quit.smoking_stats)',
  });

const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

/** Runs one of the schema's statistics functions for the caller over the range asked (or the default one). */
export async function statsOver(
  db: Db,
  user: Claims,
  fn: 'checkin_stats' | 'smoking_stats',
  range: z.infer<typeof DateRange>,
): Promise<z.infer<typeof JsonObject> & { from: string; to: string }> {
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
    const [row] = await tx<[{ stats: z.infer<typeof JsonObject> }]>`
      select ${tx(`quit.${fn}`)}((select auth.uid()), ${from}::date, ${to}::date) as stats`;
    return { from, to, ...row.stats };
  });
}
