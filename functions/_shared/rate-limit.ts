// Token-bucket rate limiting backed by internal.rate_limit_take(): one round trip checks every bucket
// (per IP and per user) of a request.
import type { Sql } from './db.ts';
import type { RateLimitBucket } from './env.ts';

export interface BucketRequest extends RateLimitBucket {
  key: string;
}

/** Takes a token from each bucket; returns 0 if allowed, else seconds to wait. */
export async function takeTokens(sql: Sql, buckets: BucketRequest[]): Promise<number> {
  if (buckets.length === 0) return 0;
  const [row] = await sql<[{ retry: number }]>`
    select internal.rate_limit_take(
      ${buckets.map((b) => b.key)}::text[],
      ${buckets.map((b) => b.capacity)}::integer[],
      ${buckets.map((b) => b.windowSeconds)}::integer[]
    ) as retry`;
  return row.retry;
}

/**
 * The client's address: `hops` entries from the right of X-Forwarded-For, since each trusted proxy appends
 * the address it saw and everything to the left of that is whatever the client chose to send.
 */
export function clientIp(forwardedFor: string | undefined, hops: number): string | undefined {
  if (!forwardedFor || hops === 0) return undefined;
  const entries = forwardedFor.split(',').map((s) => s.trim()).filter(Boolean);
  return entries.at(-hops) ?? entries[0];
}
