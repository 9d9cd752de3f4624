// Calls to the API through the local gateway, returning status, headers and parsed JSON.
import { freshIp } from './addresses.ts';
import { stackEnv } from './stack.ts';

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export async function call<T = any>(
  method: string,
  path: string,
  // base: another stack's API (default: the test stack's), for tests that start a stack of their own.
  opts: {
    token?: string;
    json?: unknown;
    rawBody?: string;
    headers?: Record<string, string>;
    signal?: AbortSignal;
    base?: string;
  } = {},
): Promise<ApiResponse<T>> {
  // Each call comes from an address of its own unless the test names one (as a test of per-address limits does).
  const headers: Record<string, string> = { 'x-forwarded-for': freshIp(), ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let body: string | undefined;
  if (opts.json !== undefined) body = JSON.stringify(opts.json);
  if (opts.rawBody !== undefined) body = opts.rawBody;
  if (body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${opts.base ?? stackEnv().apiBase}${path}`, { method, headers, body, signal: opts.signal });
  const text = await res.text();
  let parsed: unknown = text;
  if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed as T };
}

/** Asserts the standard error envelope and returns its error object. */
export function envelope(res: ApiResponse): { code: string; message: string; details: any[] } {
  const b = res.body as any;
  if (!b || typeof b !== 'object' || !b.error || typeof b.request_id !== 'string') {
    throw new Error(`not an error envelope (status ${res.status}): ${JSON.stringify(b)}`);
  }
  if (typeof b.error.code !== 'string' || typeof b.error.message !== 'string' || !Array.isArray(b.error.details)) {
    throw new Error(`malformed error envelope: ${JSON.stringify(b)}`);
  }
  return b.error;
}
