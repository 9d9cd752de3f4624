// Calls to the API through the local gateway, returning status, headers and parsed JSON.
import type { ErrorDetail } from '../../functions/_shared/errors.ts';
import { freshIp } from './addresses.ts';
import { stackEnv } from './stack.ts';

// deno-lint-ignore no-explicit-any -- by default a body is what the test reads it as: the JSON it expects, asserted on
export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

// deno-lint-ignore no-explicit-any -- as ApiResponse: the body is what the test reads it as
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
export function envelope(res: ApiResponse<unknown>): { code: string; message: string; details: ErrorDetail[] } {
  const b = res.body;
  if (!isObject(b) || !isObject(b.error) || typeof b.request_id !== 'string') {
    throw new Error(`not an error envelope (status ${res.status}): ${JSON.stringify(b)}`);
  }
  const { code, message, details } = b.error;
  if (typeof code !== 'string' || typeof message !== 'string' || !Array.isArray(details)) {
    throw new Error(`malformed error envelope: ${JSON.stringify(b)}`);
  }
  return { code, message, details };
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
