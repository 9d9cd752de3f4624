// CPU time the stack spends per request: the functions' Deno process and Postgres (the postmaster and every process
// it forked: backends, WAL writer, autovacuum), read from /proc before and after a run. It tells where the two cores
// go, which a throughput figure alone does not. Linux only; elsewhere the figures are left out.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime of a process, in clock ticks, and its parent's pid (undefined once it has exited). */
function stat(pid: number): { ticks: number; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields after it are fixed.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** Ticks of the postmaster and every process it forked, by pid. */
function postgresTicks(postmaster: number): Map<number, number> {
  const ticks = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const s = stat(pid);
    if (s && (pid === postmaster || s.ppid === postmaster)) ticks.set(pid, s.ticks);
  }
  return ticks;
}

/** What processes spent between two snapshots: one that exited meanwhile (a pgbench backend) counts nothing. */
function spent(before: Map<number, number>, after: Map<number, number>): number {
  let ticks = 0;
  for (const [pid, t] of after) ticks += t - (before.get(pid) ?? 0);
  return ticks;
}

export interface CpuPerRequest {
  functions_ms: number;
  postgres_ms: number;
}

/** Starts counting; the returned function gives the CPU milliseconds per request over what ran since. */
export function cpuMeter(
  pids: { functions: number; postmaster: number },
): (requests: number) => CpuPerRequest | undefined {
  const before = { functions: stat(pids.functions)?.ticks, postgres: postgresTicks(pids.postmaster) };
  return (requests) => {
    const functions = stat(pids.functions)?.ticks;
    if (before.functions === undefined || functions === undefined || requests === 0) return undefined;
    const perRequest = (ticks: number) => Math.round(((ticks / TICKS_PER_SECOND) * 1000 * 1000) / requests) / 1000;
    return {
      functions_ms: perRequest(functions - before.functions),
      postgres_ms: perRequest(spent(before.postgres, postgresTicks(pids.postmaster))),
    };
  };
}
