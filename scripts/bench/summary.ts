// A cell's repeated samples reduced to what may be quoted: the median of each figure and its spread over the
// repeats (min–max: with three samples an interquartile range says nothing more). One sample is no figure on a VM
// whose speed swings by a third from one minute to the next.
import type { LoadResult } from './load.ts';

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface Summary {
  rps: Spread;
  p50_ms: Spread;
  p95_ms: Spread;
  p99_ms: Spread;
  errors: Spread;
  /** API runs: CPU ms per request of the functions and of Postgres, and the database connections they used. */
  cpu_functions_ms?: Spread;
  cpu_postgres_ms?: Spread;
  db_connections?: Spread;
}

const round = (n: number) => Math.round(n * 100) / 100;

export function median(values: number[]): number {
  if (values.length === 0) throw new Error('the median of no values');
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

export function spread(values: number[]): Spread {
  return { median: round(median(values)), min: round(Math.min(...values)), max: round(Math.max(...values)) };
}

/** A figure's spread, left out when the samples lack it (CPU outside Linux, connections of pgbench runs). */
function spreadOf(samples: LoadResult[], figure: (s: LoadResult) => number | undefined): Spread | undefined {
  const values = samples.map(figure);
  return values.every((v): v is number => v !== undefined) ? spread(values) : undefined;
}

export function summarise(samples: LoadResult[]): Summary {
  const summary: Summary = {
    rps: spread(samples.map((s) => s.rps)),
    p50_ms: spread(samples.map((s) => s.p50_ms)),
    p95_ms: spread(samples.map((s) => s.p95_ms)),
    p99_ms: spread(samples.map((s) => s.p99_ms)),
    errors: spread(samples.map((s) => s.errors)),
  };
  const optional = {
    cpu_functions_ms: spreadOf(samples, (s) => s.cpu?.functions_ms),
    cpu_postgres_ms: spreadOf(samples, (s) => s.cpu?.postgres_ms),
    db_connections: spreadOf(samples, (s) => s.db_connections),
  };
  for (const [key, value] of Object.entries(optional)) if (value) summary[key as keyof typeof optional] = value;
  return summary;
}

/**
 * The API's throughput as a percentage of pgbench's, repeat by repeat: the two samples of a repeat run one after the
 * other, so they meet the same phase of the machine, which a ratio of two medians taken apart would not.
 */
export function ratios(api: LoadResult[], db: LoadResult[]): Spread {
  if (api.length !== db.length) throw new Error(`${api.length} API samples against ${db.length} pgbench samples`);
  return spread(api.map((a, i) => (a.rps / db[i].rps) * 100));
}
