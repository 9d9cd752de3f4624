// Token-bucket rate limiting backed by internal.rate_limit_take(): one statement checks every bucket
// (per IP and per user) of a request.
import postgres from 'postgres';
import type { Preamble, Sql } from './db.ts';
import { sqlText } from './sql-text.ts';
import type { RateLimitBucket } from './env.ts';

export interface BucketRequest extends RateLimitBucket {
  key: string;
}

const columns = (buckets: BucketRequest[]) => [buckets.map((b) => b.key), buckets.map((b) => b.capacity), buckets.map((b) => b.windowSeconds)] as const;

/** Takes a token from each bucket now, in a round trip of its own; returns 0 if allowed, else seconds to wait. */
export async function takeTokens(sql: Sql, buckets: BucketRequest[]): Promise<number> {
  if (buckets.length === 0) return 0;
  const [keys, capacities, windows] = columns(buckets);
  const [row] = await sql<[{ retry: number }]>`select internal.rate_limit_take(${keys}::text[], ${capacities}::integer[], ${windows}::integer[]) as retry`;
  return row.retry;
}

/**
 * The same take, sent in the same message as the request's first transaction and committed ahead of it (no round
 * trip of its own). A refusal raises HT429 there, which skips the transaction; `refused(retry)` is then the error.
 */
export function rateLimitPreamble(buckets: BucketRequest[], refused: (retry: number) => Error, onSent: () => void): Preamble {
  const [keys, capacities, windows] = columns(buckets);
  return {
    before: sqlText`select internal.rate_limit_gate(${keys}::text[], ${capacities}::integer[], ${windows}::integer[])`,
    onSent,
    refusal: (error) => (error instanceof postgres.PostgresError && error.code === 'HT429' ? refused(Number(error.detail)) : error),
  };
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
