// Quit Journey test helpers: calls under /quit as a user, and local dates in Asia/Shanghai (UTC+8, no DST).
import { call } from './http.ts';

export const quit = (token: string) => ({
  get: (path: string) => call('GET', `/quit${path}`, { token }),
  post: (path: string, json?: unknown) => call('POST', `/quit${path}`, { token, json }),
  put: (path: string, json: unknown) => call('PUT', `/quit${path}`, { token, json }),
  del: (path: string) => call('DELETE', `/quit${path}`, { token }),
});

const SHANGHAI_MS = 8 * 3_600_000;

/** The Asia/Shanghai local date `offset` days from today, YYYY-MM-DD. */
export const shanghaiDate = (offset = 0) =>
  new Date(Date.now() + SHANGHAI_MS + offset * 86_400_000).toISOString().slice(0, 10);

/** A moment at a local wall-clock time in Asia/Shanghai, as ISO 8601 with its +08:00 offset. */
export const shanghaiAt = (offset: number, time: string) => `${shanghaiDate(offset)}T${time}:00+08:00`;
