import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { afterWarmup, type LoadResult, type PgbenchTransaction } from '../../scripts/bench/load.ts';
import { cellOf, checkRecord, resultFileName, type RunRecord, writeRecord } from '../../scripts/bench/results.ts';
import { median, ratios, summarise } from '../../scripts/bench/summary.ts';

const sample = (rps: number, more: Partial<LoadResult> = {}): LoadResult => ({
  concurrency: 16,
  rps,
  p50_ms: rps / 100,
  p95_ms: rps / 50,
  p99_ms: rps / 10,
  errors: 0,
  ...more,
});

describe('bench: pgbench samples leave their warm-up out', () => {
  // One client, back to back from t = 0: a 1 s warm-up of 100 ms transactions, then 2 s of 10 ms ones.
  const at = (s: number) => s * 1e6;
  const log: PgbenchTransaction[] = [
    ...Array.from({ length: 10 }, (_, i) => ({ endUs: at(0.1 * (i + 1)), latencyUs: 100_000 })),
    ...Array.from({ length: 200 }, (_, i) => ({ endUs: at(1 + 0.01 * (i + 1)), latencyUs: 10_000 })),
  ];

  it('counts only transactions that ended after the warm-up, over the measured window', () => {
    const measured = afterWarmup(log, 1);
    expect(measured.requests).toBe(200);
    expect(measured.rps).toBe(100);
    expect(measured.p99_ms).toBe(10);
  });

  it('counts failed transactions of the measured window as errors, not those of the warm-up', () => {
    const failing: PgbenchTransaction[] = [{ endUs: at(0.5), latencyUs: 'failed' }, ...log, {
      endUs: at(2.5),
      latencyUs: 'failed',
    }];
    expect(afterWarmup(failing, 1).errors).toBe(1);
  });

  it("reads a full run's log: 13 s of 50,000 transactions a second (650,000 entries)", () => {
    const busy: PgbenchTransaction[] = Array.from(
      { length: 650_000 },
      (_, i) => ({ endUs: 20 * (i + 1), latencyUs: 20 }),
    );
    const measured = afterWarmup(busy, 3);
    expect(measured.requests).toBe(500_000);
    expect(measured.rps).toBe(50_000);
  });
});

describe('bench: a cell is its samples, their medians and spreads', () => {
  it('takes the median of odd and even counts of samples', () => {
    expect(median([30, 10, 20])).toBe(20);
    expect(median([1, 2, 3, 10])).toBe(2.5);
  });

  it('summarises each figure as median, min and max', () => {
    const summary = summarise([sample(900), sample(1200), sample(1000, { errors: 2 })]);
    expect(summary.rps).toEqual({ median: 1000, min: 900, max: 1200 });
    expect(summary.p99_ms).toEqual({ median: 100, min: 90, max: 120 });
    expect(summary.errors).toEqual({ median: 0, min: 0, max: 2 });
  });

  it('relates the API to pgbench repeat by repeat (the samples taken side by side), in percent', () => {
    expect(ratios([sample(500), sample(400), sample(900)], [sample(1000), sample(500), sample(1800)])).toEqual({
      median: 50,
      min: 50,
      max: 80,
    });
  });
});

describe('bench: a run is checked before it may be quoted', () => {
  const pool = 10;
  const api = (n: number) => Array.from({ length: n }, () => sample(1000, { concurrency: 64, db_connections: pool }));
  const db = (clients: number, n = 3) => Array.from({ length: n }, () => sample(2000, { concurrency: clients }));
  const record = (
    rows = [cellOf('1 day-log read', 'GET', 64, { api: api(3), db: db(pool), dbAtConcurrency: db(64) })],
    repeats = 3,
  ): RunRecord => ({
    format: 2,
    started_at: '2026-12-01T15:20:00.123Z',
    finished_at: '2026-12-01T15:50:00.000Z',
    machine: {},
    only: null,
    env: null,
    method: {
      seconds_per_sample: 10,
      warmup_seconds: 3,
      repeats,
      spread: 'min-max over the repeats',
      api_db_connections: pool,
    },
    rows,
    notes: {},
  });

  it('passes a run whose cells are repeated, matched and error-free', () => {
    expect(checkRecord(record())).toEqual([]);
  });

  it('refuses fewer than 3 samples per cell, and a cell missing its samples', () => {
    expect(checkRecord(record(undefined, 2))).toContain('2 samples per cell: a median and a spread need at least 3');
    expect(
      checkRecord(
        record([cellOf('1 day-log read', 'GET', 64, { api: api(2), db: db(pool, 2), dbAtConcurrency: db(64, 2) })]),
      ),
    )
      .toContain('1 day-log read at c=64: 2 api samples, not 3');
  });

  it('refuses pgbench on more connections than the API may use, and a missing unmatched run', () => {
    expect(checkRecord(record([cellOf('1 day-log read', 'GET', 64, { api: api(3), db: db(64) })]))).toEqual([
      '1 day-log read at c=64: pgbench ran 64 clients, not min(c, 10)',
      '1 day-log read at c=64: pgbench at c=64 missing',
    ]);
  });

  it('refuses an API that used more connections than pgbench was matched to', () => {
    const greedy = api(3).map((s) => ({ ...s, db_connections: 12 }));
    expect(
      checkRecord(
        record([cellOf('1 day-log read', 'GET', 64, { api: greedy, db: db(pool), dbAtConcurrency: db(64) })]),
      ),
    )
      .toEqual([
        '1 day-log read at c=64: the API used 12 database connections, more than the 10 pgbench is matched to',
      ]);
  });

  it('refuses errors and a run without a warm-up', () => {
    const failing = cellOf('2 workout write', 'POST', 1, {
      api: [sample(1), sample(1, { errors: 3 }), sample(1)],
      db: db(1),
    });
    const problems = checkRecord({ ...record([failing]), method: { ...record().method, warmup_seconds: 0 } });
    expect(problems).toEqual(['no warm-up before the samples', '2 workout write at c=1: 3 api errors']);
  });
});

describe('bench: every run gets a file of its own', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true })));

  it("names the file by the run's start, with its variant", () => {
    expect(resultFileName(new Date('2026-12-01T15:20:00.123Z'), '')).toBe('2026-12-01T15-20-00Z.json');
    expect(resultFileName(new Date('2026-12-01T15:20:00.123Z'), 'only-3')).toBe('2026-12-01T15-20-00Z-only-3.json');
  });

  it('never overwrites an earlier run, even one that started in the same second', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-results-'));
    dirs.push(dir);
    const first: RunRecord = {
      format: 2,
      started_at: '2026-12-01T15:20:00.100Z',
      finished_at: '',
      machine: {},
      only: null,
      env: null,
      method: {
        seconds_per_sample: 10,
        warmup_seconds: 3,
        repeats: 3,
        spread: 'min-max over the repeats',
        api_db_connections: 10,
      },
      rows: [],
      notes: { run: 1 },
    };
    const a = writeRecord(dir, first, '');
    const b = writeRecord(dir, { ...first, started_at: '2026-12-01T15:20:00.900Z', notes: { run: 2 } }, '');
    expect(readdirSync(dir).sort()).toEqual(['2026-12-01T15-20-00Z-2.json', '2026-12-01T15-20-00Z.json']);
    expect(JSON.parse(readFileSync(a, 'utf8')).notes).toEqual({ run: 1 });
    expect(JSON.parse(readFileSync(b, 'utf8')).notes).toEqual({ run: 2 });
  });
});
