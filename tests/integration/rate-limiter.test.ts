// The in-memory rate limiter (functions/_shared/rate-limit.ts) against the test database: exact within an
// instance, every grant accounted in Postgres, instances sharing a bucket through it.
import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { type BucketRequest, createRateLimiter, type RateLimiter } from '../../functions/_shared/rate-limit.ts';
import type { Sql } from '../../functions/_shared/db.ts';
import { adminSql } from '../helpers/db.ts';
import { stackEnv } from '../helpers/stack.ts';

const sql = postgres(stackEnv().dbUrl, { max: 2, onnotice: () => {} });
afterAll(() => sql.end());

const limiters: RateLimiter[] = [];
afterAll(() => Promise.all(limiters.map((l) => l.close())));
const limiter = (syncMs = 10, over: Sql = sql) => {
  const l = createRateLimiter(over, { syncMs });
  limiters.push(l);
  return l;
};
const bucket = (capacity: number, windowSeconds = 3600): BucketRequest => ({
  key: `test:limiter:${randomUUID()}`,
  capacity,
  windowSeconds,
});
const levelOf = async (b: BucketRequest) =>
  (await adminSql()<{ tokens: number }[]>`select tokens from internal.rate_limit_buckets where key = ${b.key}`)[0]
    ?.tokens;
const settle = (ms = 60) => new Promise((r) => setTimeout(r, ms));
const takes = (l: RateLimiter, buckets: BucketRequest[], n: number) =>
  Promise.all(Array.from({ length: n }, () => l.take(buckets)));

describe('rate limiter', () => {
  it('grants a bucket exactly its capacity, then says when the next token comes', async () => {
    const b = bucket(3, 60);
    expect(await takes(limiter(), [b], 4)).toEqual([0, 0, 0, 20]);
  });

  it('spends from every bucket of a request or from none', async () => {
    const l = limiter();
    const [roomy, tight] = [bucket(10), bucket(1)];
    expect(await l.take([roomy, tight])).toBe(0);
    expect(await l.take([roomy, tight])).toBe(3600);
    await l.close();
    expect(await levelOf(roomy)).toBeCloseTo(9, 1);
    expect(await levelOf(tight)).toBeCloseTo(0, 1);
  });

  it('accounts every grant in Postgres within a sync', async () => {
    const b = bucket(100);
    const l = limiter(10);
    await takes(l, [b], 7);
    await settle();
    expect(await levelOf(b)).toBeCloseTo(93, 1);
    await takes(l, [b], 5);
    await settle();
    expect(await levelOf(b)).toBeCloseTo(88, 1);
  });

  it('refuses on one instance what another has spent', async () => {
    const b = bucket(5);
    const [first, second] = [limiter(5), limiter(5)];
    expect(await takes(first, [b], 5)).toEqual([0, 0, 0, 0, 0]);
    await settle();
    expect(await second.take([b])).toBe(720);
  });

  it('learns a level again once it is older than forgetMs, with what other instances spent meanwhile', async () => {
    const b = bucket(5);
    const idle = createRateLimiter(sql, { syncMs: 5, forgetMs: 30 });
    limiters.push(idle);
    expect(await idle.take([b])).toBe(0); // learns 5, spends 1
    await settle(20);
    expect(await takes(limiter(5), [b], 4)).toEqual([0, 0, 0, 0]); // another instance spends the rest
    await settle(60);
    expect(await idle.take([b])).toBe(720);
  });

  it('loses and invents no grant when instances spend one bucket at once', async () => {
    const b = bucket(40);
    const instances = [limiter(2), limiter(2), limiter(2)];
    // 3 × 30 requests, interleaved, with syncs going on between them.
    const granted = (
      await Promise.all(instances.map(async (l) => {
        const retries: number[] = [];
        for (let i = 0; i < 30; i++) {
          retries.push(await l.take([b]));
          if (i % 5 === 4) await settle(3);
        }
        return retries.filter((r) => r === 0).length;
      }))
    ).reduce((a, n) => a + n, 0);
    await Promise.all(instances.map((l) => l.close()));
    // Each instance grants at most what it last learnt was left, so the instances together can overshoot the bucket
    // by what they spent between two syncs; Postgres has every grant, as debt when they did.
    expect(granted).toBeGreaterThanOrEqual(40);
    expect(granted).toBeLessThanOrEqual(40 * instances.length);
    expect(await levelOf(b)).toBeCloseTo(Math.max(-40, 40 - granted), 1);
  });

  it('keeps the grants of a failed sync for the next one', async () => {
    let failing = false;
    const flaky =
      ((strings: TemplateStringsArray, ...values: unknown[]) =>
        failing
          ? Promise.reject(new Error('connection lost'))
          : sql(strings, ...(values as never[]))) as unknown as Sql;
    const b = bucket(50);
    const l = limiter(5, flaky);
    expect(await l.take([b])).toBe(0); // learns the bucket
    failing = true;
    await takes(l, [b], 4);
    await settle(40);
    expect(await levelOf(b)).toBeCloseTo(50, 1);
    failing = false;
    await settle(40);
    expect(await levelOf(b)).toBeCloseTo(45, 1);
  });
});
