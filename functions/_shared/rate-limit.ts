// Token-bucket rate limiting. The buckets live in Postgres (internal.rate_limit_buckets) and are shared by every
// functions instance; two ways to spend them:
// - `takeTokens`: strict, one statement per request (sign-ins and SMS codes, which cost money and are rare).
// - `createRateLimiter`: decided in memory against the levels this instance last learnt, and accounted in Postgres
//   by one sync statement per interval for all buckets (reads and writes, every request). A bucket's first request
//   on an instance waits for its level; after that a request costs the database nothing of its own. The syncs are
//   background work (background.ts), and `flush` sends what is left when the isolate stops.
import { inBackground } from './background.ts';
import type { Sql } from './db.ts';
import type { RateLimitBucket } from './env.ts';

export interface BucketRequest extends RateLimitBucket {
  key: string;
}

const columns = (buckets: BucketRequest[]) =>
  [buckets.map((b) => b.key), buckets.map((b) => b.capacity), buckets.map((b) => b.windowSeconds)] as const;

/** Seconds until a bucket holding `level` tokens has a whole one again. */
const secondsUntilToken = (level: number, b: RateLimitBucket) =>
  Math.max(1, Math.ceil(((1 - level) * b.windowSeconds) / b.capacity));

/** Takes a token from each bucket now, in a round trip of its own; returns 0 if allowed, else seconds to wait. */
export async function takeTokens(sql: Sql, buckets: BucketRequest[]): Promise<number> {
  if (buckets.length === 0) return 0;
  const [keys, capacities, windows] = columns(buckets);
  const [row] = await sql<
    [{ retry: number }]
  >`select internal.rate_limit_take(${keys}::text[], ${capacities}::integer[], ${windows}::integer[]) as retry`;
  return row.retry;
}

/**
 * A pending sync must not keep a process alive: Node's timers are objects with unref, Deno's are ids. Which one
 * `setTimeout` is typed to return depends on the Deno version's bundled types (on 2.1, a number only), so the handle
 * is examined as `unknown`.
 */
function unref(timer: ReturnType<typeof setTimeout>): void {
  const handle: unknown = timer;
  if (typeof handle === 'number') (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno?.unrefTimer(handle);
  else (handle as { unref?(): void }).unref?.();
}

export interface RateLimiter {
  /** Spends a token from every bucket, or from none: 0 if allowed, else the seconds until all have one. */
  take(buckets: BucketRequest[]): Promise<number>;
  /** Sends what is still unsynced now (the isolate is stopping), and goes on. */
  flush(): Promise<void>;
  /** Sends what is still unsynced and stops syncing. */
  close(): Promise<void>;
}

interface Bucket extends BucketRequest {
  /** The level Postgres answered at the last sync, and when (ms). */
  level: number;
  syncedAt: number;
  /** Tokens granted here since that level was read. */
  unsynced: number;
}

export interface RateLimiterOptions {
  /** How long a grant may wait to be accounted in Postgres: the window in which instances can overshoot together. */
  syncMs: number;
  /**
   * How long a level read from Postgres is trusted: a bucket not synced for this long (idle here) is forgotten, and
   * its next request learns its level again, with what other instances spent meanwhile.
   */
  forgetMs?: number;
  onSyncError?(error: unknown): void;
}

export function createRateLimiter(sql: Sql, opts: RateLimiterOptions): RateLimiter {
  const forgetMs = opts.forgetMs ?? 60_000;
  const known = new Map<string, Bucket>();
  const learning = new Map<string, Promise<void>>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let syncing: Promise<void> | undefined;
  let closed = false;

  /** The level now: the last one read, refilled since, less what was granted since. */
  const levelOf = (b: Bucket, now: number) =>
    Math.min(b.capacity, b.level + ((now - b.syncedAt) / 1000) * (b.capacity / b.windowSeconds)) - b.unsynced;

  /** Spends `spent[i]` of each bucket in Postgres and records the levels it answers. */
  async function sync(buckets: BucketRequest[], spent: number[]): Promise<void> {
    const [keys, capacities, windows] = columns(buckets);
    const rows = await sql<{ bucket: string; level: number }[]>`
      select bucket, level
        from internal.rate_limit_sync(${keys}::text[], ${capacities}::integer[], ${windows}::integer[],
                                      ${spent}::integer[])`;
    const now = Date.now();
    const levels = new Map(rows.map((r) => [r.bucket, r.level]));
    buckets.forEach((request, i) => {
      const level = levels.get(request.key)!;
      const b = known.get(request.key);
      // Grants made while the sync was on its way stay unsynced: the level answered does not count them.
      if (b) Object.assign(b, { level, syncedAt: now, unsynced: b.unsynced - spent[i] });
      else known.set(request.key, { ...request, level, syncedAt: now, unsynced: 0 });
    });
  }

  /** A level nothing here has spent from since it was read forgetMs ago. */
  const stale = (b: Bucket, now: number) => b.unsynced === 0 && now - b.syncedAt > forgetMs;

  /** Sends every bucket's grants since the last sync, and forgets buckets long unused. */
  async function syncGranted(): Promise<void> {
    const now = Date.now();
    const due: Bucket[] = [];
    for (const [key, b] of known) {
      if (b.unsynced > 0) due.push(b);
      else if (stale(b, now)) known.delete(key);
    }
    if (due.length === 0) return;
    try {
      await sync(due, due.map((b) => b.unsynced));
    } catch (error) {
      // The grants stay unsynced and go with the next sync.
      opts.onSyncError?.(error);
    }
  }
  /**
   * Starts the one sync in flight. It is background work: the runtime is told to keep the isolate until it is
   * answered, or the grants it carries would be lost with the isolate.
   */
  function startSync(): Promise<void> {
    timer = undefined;
    const run = syncGranted().finally(() => {
      syncing = undefined;
      if ([...known.values()].some((b) => b.unsynced > 0)) scheduleSync();
    });
    syncing = run;
    inBackground('rate-limit sync', run);
    return run;
  }
  function scheduleSync(): void {
    // One sync at a time: a second one sent before the first is answered would send its grants again.
    if (timer || syncing || closed) return;
    timer = setTimeout(startSync, opts.syncMs);
    unref(timer);
  }
  /** Sends the grants not yet sent now, after the sync in flight (if any) is answered. */
  async function syncNow(): Promise<void> {
    while (syncing) await syncing;
    clearTimeout(timer);
    await startSync();
  }

  /** Learns the levels of buckets this instance has not seen (spending nothing), once however many ask. */
  async function learn(buckets: BucketRequest[]): Promise<void> {
    const unknown = buckets.filter((b) => !known.has(b.key) && !learning.has(b.key));
    if (unknown.length > 0) {
      const learnt = sync(unknown, unknown.map(() => 0)).finally(() => unknown.forEach((b) => learning.delete(b.key)));
      unknown.forEach((b) => learning.set(b.key, learnt));
    }
    await Promise.all(buckets.map((b) => learning.get(b.key)));
  }

  return {
    async take(buckets) {
      const asked = Date.now();
      for (const { key } of buckets) {
        const b = known.get(key);
        if (b && stale(b, asked)) known.delete(key);
      }
      if (buckets.some((b) => !known.has(b.key))) await learn(buckets);
      const now = Date.now();
      const held = buckets.map((request) => {
        const b = known.get(request.key)!;
        // A changed setting applies at once (the next sync stores it).
        b.capacity = request.capacity;
        b.windowSeconds = request.windowSeconds;
        return b;
      });
      const retries = held.map((b) => levelOf(b, now)).map((
        level,
        i,
      ) => (level < 1 ? secondsUntilToken(level, held[i]) : 0));
      const retry = Math.max(...retries);
      if (retry > 0) return retry;
      for (const b of held) b.unsynced += 1;
      scheduleSync();
      return 0;
    },
    flush: syncNow,
    async close() {
      closed = true;
      await syncNow();
    },
  };
}

/** The longest textual IP address (IPv6 with an embedded IPv4 address). */
const MAX_ADDRESS_LENGTH = 45;

/**
 * The client's address: `hops` entries from the right of X-Forwarded-For, since each trusted proxy appends
 * the address it saw and everything to the left of that is whatever the client chose to send. Cut to the length
 * of an address: with fewer entries than hops it is the client's own text, and it keys buckets and log lines.
 */
export function clientIp(forwardedFor: string | undefined, hops: number): string | undefined {
  if (!forwardedFor || hops === 0) return undefined;
  const entries = forwardedFor.split(',').map((s) => s.trim()).filter(Boolean);
  return (entries.at(-hops) ?? entries[0])?.slice(0, MAX_ADDRESS_LENGTH);
}
