// A bench run's record: every cell (a scenario at one concurrency) with its repeated samples and their medians and
// spreads, how they were taken, the checks a record must pass before anyone quotes it, a file of its own per run
// (bench/results/<start time>[-<variant>].json: no run replaces another, each is history) and the printed table.
import { closeSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult } from './load.ts';
import { ratios, type Spread, summarise, type Summary } from './summary.ts';

export interface Side {
  samples: LoadResult[];
  summary: Summary;
}

export interface PgbenchSide extends Side {
  /** pgbench's clients, one database connection each. */
  clients: number;
}

export interface Cell {
  scenario: string;
  what: string;
  /** wrk's connections. */
  concurrency: number;
  api?: Side;
  /** pgbench on as many connections as the API may use: min(concurrency, the functions' pool). */
  db?: PgbenchSide;
  /** pgbench on one connection per wrk connection, where that is more (the unmatched comparison). */
  db_at_concurrency?: PgbenchSide;
  /** API req/s as a percentage of pgbench's tx/s, per repeat. */
  api_db_percent?: Spread;
  api_db_percent_at_concurrency?: Spread;
}

export interface Method {
  seconds_per_sample: number;
  warmup_seconds: number;
  repeats: number;
  spread: 'min-max over the repeats';
  /** Database connections the API may hold: the functions' pool (DB_POOL_MAX) × the instances serving the load. */
  api_db_connections: number;
}

export interface RunRecord {
  format: 2;
  started_at: string;
  finished_at: string;
  machine: Record<string, unknown>;
  only: string[] | null;
  env: string | null;
  method: Method;
  rows: Cell[];
  notes: Record<string, unknown>;
}

export function cellOf(
  scenario: string,
  what: string,
  concurrency: number,
  samples: { api?: LoadResult[]; db?: LoadResult[]; dbAtConcurrency?: LoadResult[] },
): Cell {
  const side = (s: LoadResult[]): Side => ({ samples: s, summary: summarise(s) });
  const pgbench = (s: LoadResult[]): PgbenchSide => ({ clients: s[0].concurrency, ...side(s) });
  const cell: Cell = { scenario, what, concurrency };
  if (samples.api) cell.api = side(samples.api);
  if (samples.db) cell.db = pgbench(samples.db);
  if (samples.dbAtConcurrency) cell.db_at_concurrency = pgbench(samples.dbAtConcurrency);
  if (samples.api && samples.db) cell.api_db_percent = ratios(samples.api, samples.db);
  if (samples.api && samples.dbAtConcurrency) {
    cell.api_db_percent_at_concurrency = ratios(samples.api, samples.dbAtConcurrency);
  }
  return cell;
}

/** What is wrong with a record: every cell repeated, summarised, matched, error-free. Empty when it may be quoted. */
export function checkRecord(record: RunRecord): string[] {
  const problems: string[] = [];
  const { repeats, warmup_seconds, api_db_connections: pool } = record.method;
  if (!(repeats >= 3)) problems.push(`${repeats} samples per cell: a median and a spread need at least 3`);
  if (!(warmup_seconds > 0)) problems.push('no warm-up before the samples');
  if (record.rows.length === 0) problems.push('no cells');
  for (const row of record.rows) {
    const at = `${row.scenario} at c=${row.concurrency}`;
    const sides: [string, Side | undefined][] = [['api', row.api], ['pgbench', row.db], [
      'pgbench at c',
      row.db_at_concurrency,
    ]];
    for (const [name, side] of sides) {
      if (!side) continue;
      if (side.samples.length !== repeats) {
        problems.push(`${at}: ${side.samples.length} ${name} samples, not ${repeats}`);
      }
      for (const [figure, s] of Object.entries(side.summary) as [string, Spread][]) {
        if (!(s.min <= s.median && s.median <= s.max)) {
          problems.push(`${at}: ${name} ${figure} has no median within its spread`);
        }
      }
      const errors = side.samples.reduce((n, s) => n + s.errors, 0);
      if (errors > 0) problems.push(`${at}: ${errors} ${name} errors`);
    }
    if (!row.api && !row.db) problems.push(`${at}: no samples`);
    const used = Math.max(...(row.api?.samples.map((s) => s.db_connections ?? 0) ?? [0]));
    if (used > pool) {
      problems.push(`${at}: the API used ${used} database connections, more than the ${pool} pgbench is matched to`);
    }
    if (row.db) {
      if (row.db.clients !== Math.min(row.concurrency, pool)) {
        problems.push(`${at}: pgbench ran ${row.db.clients} clients, not min(c, ${pool})`);
      }
      if (row.api && !row.api_db_percent) problems.push(`${at}: no API/pgbench ratio`);
      const unmatched = row.concurrency > pool;
      if (unmatched !== !!row.db_at_concurrency) {
        problems.push(
          `${at}: pgbench at c=${row.concurrency} ${unmatched ? 'missing' : 'run where it equals the matched run'}`,
        );
      }
    }
  }
  return problems;
}

/** `2026-12-01T15-20-00Z.json`, or `…Z-only-3.json` for a partial run or one with overridden settings. */
export function resultFileName(startedAt: Date, variant: string): string {
  const stamp = startedAt.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  return `${stamp}${variant ? `-${variant}` : ''}.json`;
}

/** Writes the record to a file no other run has: an existing name gets a counter, never overwritten. */
export function writeRecord(dir: string, record: RunRecord, variant: string): string {
  const name = resultFileName(new Date(record.started_at), variant);
  for (let n = 1;; n++) {
    const file = join(dir, n === 1 ? name : name.replace(/\.json$/, `-${n}.json`));
    let fd: number;
    try {
      fd = openSync(file, 'wx');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw error;
    }
    try {
      writeSync(fd, JSON.stringify(record, null, 2) + '\n');
    } finally {
      closeSync(fd);
    }
    return file;
  }
}

/** The medians, with the spread of throughput and p99, API beside pgbench (matched, then at the API's concurrency). */
export function formatTable(rows: Cell[]): string {
  const n = (x?: number, digits = 0) => (x === undefined ? '' : x.toFixed(digits));
  const range = (s?: Spread, digits = 0) => (s ? `${n(s.min, digits)}-${n(s.max, digits)}` : '');
  const side = (s?: Side) =>
    s
      ? [
        n(s.summary.rps.median),
        range(s.summary.rps),
        n(s.summary.p50_ms.median, 1),
        n(s.summary.p95_ms.median, 1),
        n(s.summary.p99_ms.median, 1),
        range(s.summary.p99_ms, 1),
        n(s.summary.errors.max),
      ]
      : ['', '', '', '', '', '', ''];
  const pct = (s?: Spread) => (s ? `${n(s.median)} % (${range(s)})` : '');
  const header = [
    'scenario',
    'c',
    'api req/s',
    'min-max',
    'p50',
    'p95',
    'p99',
    'p99 min-max',
    'err',
    'cpu fn',
    'cpu pg',
    'conns',
    'pg conns',
    'pgbench tx/s',
    'min-max',
    'p50',
    'p95',
    'p99',
    'p99 min-max',
    'err',
    'api/db',
    'pg conns',
    'pgbench tx/s',
    'api/db',
  ];
  const table = rows.map((r) => [
    r.scenario,
    String(r.concurrency),
    ...side(r.api),
    n(r.api?.summary.cpu_functions_ms?.median, 2),
    n(r.api?.summary.cpu_postgres_ms?.median, 2),
    n(r.api?.summary.db_connections?.max),
    n(r.db?.clients),
    ...side(r.db),
    pct(r.api_db_percent),
    n(r.db_at_concurrency?.clients),
    n(r.db_at_concurrency?.summary.rps.median),
    pct(r.api_db_percent_at_concurrency),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((t) => t[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i < 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return `${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${table.map(line).join('\n')}`;
}
