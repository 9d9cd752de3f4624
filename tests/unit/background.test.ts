// Background work as the hosted runtime sees it: Supabase's Edge Runtime keeps an isolate alive only for the promises
// handed to EdgeRuntime.waitUntil, so a write nobody awaits must be one of them. Here the runtime is a stand-in on
// globalThis; the stop itself is tested through the gateway (tests/stack/isolate-shutdown.test.ts).
import { afterEach, describe, expect, it, vi } from 'vitest';
import { inBackground, settleBackground } from '../../functions/_shared/background.ts';
import type { Sql } from '../../functions/_shared/db.ts';
import { createRateLimiter } from '../../functions/_shared/rate-limit.ts';

const runtime = globalThis as { EdgeRuntime?: { waitUntil(promise: Promise<unknown>): void } };
afterEach(() => {
  delete runtime.EdgeRuntime;
  vi.restoreAllMocks();
});

describe('background work', () => {
  it('hands a rate-limit sync to EdgeRuntime.waitUntil, which settles only once Postgres has the grant', async () => {
    const handed: Promise<unknown>[] = [];
    runtime.EdgeRuntime = { waitUntil: (promise) => void handed.push(promise) };
    // Stands in for postgres.js: learning a level answers at once; a sync that spends waits for `answer`.
    let answer = () => {};
    const spends: number[][] = [];
    const sql = ((_text: TemplateStringsArray, ...values: unknown[]) => {
      const spent = values[3] as number[];
      const rows = [{ bucket: 'ip:203.0.113.9', level: 10 - spent[0] }];
      if (spent[0] === 0) return Promise.resolve(rows);
      return new Promise((resolve) => {
        answer = () => {
          spends.push(spent);
          resolve(rows);
        };
      });
    }) as unknown as Sql;
    const limiter = createRateLimiter(sql, { syncMs: 1 });

    try {
      expect(await limiter.take([{ key: 'ip:203.0.113.9', capacity: 10, windowSeconds: 60 }])).toBe(0);
      await vi.waitFor(() => expect(handed).toHaveLength(1));
      let settled = false;
      void handed[0].then(() => (settled = true));
      await new Promise((r) => setTimeout(r, 20));
      expect(settled).toBe(false);

      answer();
      await handed[0];
      expect(spends).toEqual([[1]]);
    } finally {
      answer();
      await limiter.close();
    }
  });

  it('logs a failed task by name instead of leaving its rejection unhandled', async () => {
    const errors: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: string) => void errors.push(line));
    inBackground('audit write', Promise.reject(new Error('connection reset')));
    expect(await settleBackground(1000)).toBe(true);
    expect(errors.map((line) => JSON.parse(line))).toEqual([
      expect.objectContaining({
        level: 'error',
        msg: 'background task failed',
        task: 'audit write',
        error: 'Error: connection reset',
      }),
    ]);
  });
});
