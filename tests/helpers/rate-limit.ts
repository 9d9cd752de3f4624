// Rate limits asserted over the whole sequence of requests: each one under the limit answered as it would be
// without a limit, and only those after it refused with 429. Checking only the last status passes just as well
// when every request is refused, or when the requests under the limit fail for another reason.
import { expect } from 'vitest';

/** `count` requests answered `status`. */
export const times = (count: number, status: number): number[] => Array.from({ length: count }, () => status);

/** A supabase-js auth result as a status: its error's, or 200 when it succeeded. */
export const authStatus = <T extends { error: { status?: number } | null }>(result: T) => ({
  ...result,
  status: result.error?.status ?? 200,
});

/**
 * Sends one request per status in `underLimit`, then `refused` more, one after another; asserts the statuses are
 * exactly `underLimit` followed by 429s, and returns the responses (to check Retry-After or the error code).
 */
export async function expectRateLimit<R extends { status: number }>(
  underLimit: number[],
  send: (i: number) => R | Promise<R>,
  refused = 1,
): Promise<R[]> {
  const responses: R[] = [];
  for (let i = 0; i < underLimit.length + refused; i++) responses.push(await send(i));
  expect(responses.map((r) => r.status)).toEqual([...underLimit, ...times(refused, 429)]);
  return responses;
}
