// Work a function starts and does not await, and what it must still send when its isolate stops. Supabase's Edge
// Runtime starts and retires isolates at will (idle, CPU, memory and wall-clock limits, deploys): work it is not told
// about dies with the isolate. So every write that must finish after the response goes through `inBackground`, which
// hands it to `EdgeRuntime.waitUntil` (the runtime keeps the isolate until it settles) and tracks it, and whatever is
// buffered (the rate limiter's grants not yet synced) registers `onShutdown`, run on the runtime's `beforeunload`
// event. The local gateway dispatches that event on SIGTERM/SIGINT and awaits `settleBackground`, as the runtime would.
import { logEvent } from './log.ts';
import { withTimeout } from './timeout.ts';

interface EdgeRuntimeGlobal {
  EdgeRuntime?: { waitUntil(promise: Promise<unknown>): void };
}

const pending = new Set<Promise<void>>();
const flushes = new Map<symbol, { name: string; flush: () => Promise<unknown> }>();

/**
 * Lets `work` run past the response and past a shutdown notice: the hosted runtime waits for it, and so does a local
 * shutdown (`settleBackground`). A failure is logged with `name`, never thrown: nobody awaits it.
 */
export function inBackground(name: string, work: Promise<unknown>): void {
  const tracked: Promise<void> = work
    .then(
      () => {},
      (error: unknown) => logEvent('error', 'background task failed', { task: name, error: String(error) }),
    )
    .finally(() => pending.delete(tracked));
  pending.add(tracked);
  (globalThis as EdgeRuntimeGlobal).EdgeRuntime?.waitUntil(tracked);
}

/**
 * The `beforeunload` event as the Edge Runtime dispatches it; `detail.reason` says why: cpu, memory, wall_clock,
 * early_drop or termination.
 */
type ShutdownEvent = Event & { detail?: { reason?: string | null } };

let listening = false;
function listenForShutdown(): void {
  // Deno and the Edge Runtime make the global scope an event target; Node (unit tests, tsx scripts) does not.
  const scope = globalThis as { addEventListener?: (type: string, listener: (event: ShutdownEvent) => void) => void };
  if (listening || typeof scope.addEventListener !== 'function') return;
  listening = true;
  scope.addEventListener('beforeunload', (event) => {
    if (flushes.size === 0) return;
    logEvent('info', 'isolate stopping: flushing', {
      reason: event.detail?.reason ?? null,
      flushes: [...flushes.values()].map((f) => f.name),
    });
    for (const { name, flush } of flushes.values()) inBackground(name, flush());
  });
}

/**
 * Runs `flush` when the isolate is about to stop (the `beforeunload` event), as background work. Returns the
 * unregistration, for an owner that is closed before then.
 */
export function onShutdown(name: string, flush: () => Promise<unknown>): () => void {
  listenForShutdown();
  const key = Symbol(name);
  flushes.set(key, { name, flush });
  return () => void flushes.delete(key);
}

/**
 * Waits until no background work is left (work started meanwhile included), at most `timeoutMs`: true if all of it
 * settled. For a process that stops its functions itself (the local gateway).
 */
export async function settleBackground(timeoutMs: number): Promise<boolean> {
  const settled = (async () => {
    while (pending.size > 0) await Promise.all(pending);
  })();
  return await withTimeout(settled, timeoutMs).then(
    () => true,
    () => false,
  );
}
