// The user's local day: Quit Journey counts days in quit.user_timezone() (the quit profile's timezone, else the
// account's, else Asia/Shanghai).
import type { Tx } from '../_shared/db.ts';

/** Today in the caller's timezone, YYYY-MM-DD. */
export async function localToday(tx: Tx): Promise<string> {
  const [row] = await tx<[{ today: string }]>`
    select (now() at time zone quit.user_timezone((select auth.uid())))::date::text as today`;
  return row.today;
}
