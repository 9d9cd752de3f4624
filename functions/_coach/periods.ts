// Calendar periods of the coach's stats, as local dates (YYYY-MM-DD).
import { ApiError } from '../_shared/errors.ts';

const ymd = (d: Date) => d.toISOString().slice(0, 10);

/** Monday to Sunday of an ISO 8601 week such as 2026-W48 (week 1 holds the year's first Thursday). */
export function isoWeekRange(week: string): { from: string; to: string } {
  const [, y, w] = /^(\d{4})-W(\d{2})$/.exec(week) ?? [];
  const year = Number(y);
  const n = Number(w);
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const week1Monday = new Date(jan4.getTime() - ((jan4.getUTCDay() || 7) - 1) * 86_400_000);
  const monday = new Date(week1Monday.getTime() + (n - 1) * 7 * 86_400_000);
  // 2026-W53 does not exist: its "Monday" would fall in the next ISO year.
  const dec28 = new Date(Date.UTC(year, 11, 28));
  const weeksInYear = Math.round((dec28.getTime() - week1Monday.getTime()) / (7 * 86_400_000)) + 1;
  if (n < 1 || n > weeksInYear) {
    throw new ApiError('VALIDATION_FAILED', `${year} has no week ${n}.`, [{
      field: 'week',
      message: `1–${weeksInYear}`,
    }]);
  }
  return { from: ymd(monday), to: ymd(new Date(monday.getTime() + 6 * 86_400_000)) };
}

/** First and last day of a month such as 2026-11. */
export function monthRange(month: string): { from: string; to: string } {
  const [y, m] = month.split('-').map(Number);
  return { from: ymd(new Date(Date.UTC(y, m - 1, 1))), to: ymd(new Date(Date.UTC(y, m, 0))) };
}
