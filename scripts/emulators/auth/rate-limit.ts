// Auth's rate limits: in-memory fixed-window counters (the emulator is one process, and GoTrue's limits are per window
// too), and the per-user gap GoTrue keeps between two codes of one kind (SMS and mail alike).
import { AuthError } from './errors.ts';

export class WindowLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  /** Counts a hit; false when the key already had `limit` hits in the current window. */
  hit(key: string, limit: number, windowSeconds: number, now = Date.now()): boolean {
    const w = this.windows.get(key);
    if (!w || now - w.start >= windowSeconds * 1000) {
      this.windows.set(key, { start: now, count: 1 });
      return limit > 0;
    }
    if (w.count >= limit) return false;
    w.count++;
    return true;
  }
}

/** GoTrue's per-user gap between two messages of one kind: 429 with the seconds left since `sentAt`. */
export function requireGap(sentAt: Date | null | undefined, gapSeconds: number, code: string) {
  if (!sentAt) return;
  const wait = gapSeconds - Math.floor((Date.now() - new Date(sentAt).getTime()) / 1000);
  if (wait > 0) {
    throw new AuthError(429, code, `For security purposes, you can only request this after ${wait} seconds.`);
  }
}
