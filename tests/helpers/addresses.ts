// Client addresses for test requests. Auth and the API limit per address, and every test request reaches the stack
// from 127.0.0.1: without an address of its own each client would spend one budget shared by the whole suite.

import process from 'node:process';
let counter = 0;

/** A group of an IPv6 address that is never 0 and has no leading zero, so the text is already canonical. */
const group = (n: number) => (0x1000 + n).toString(16);

/**
 * A documentation-range IPv6 address (RFC 3849, 2001:db8::/32) unique to this test process and call. Test files run in
 * processes of their own, many at once and each counting its calls from 1, and rate-limit windows outlast a file: so
 * the process id and the count each have groups of their own, and no two calls of a run share an address. (The IPv4
 * benchmarking range this used before, with both folded into 250 × 250 addresses, let files collide now and then.)
 */
export function freshIp(): string {
  counter++;
  const pid = process.pid;
  return `2001:db8:${group(pid >> 12)}:${group(pid & 0xfff)}:${group(counter >> 12)}:${group(counter & 0xfff)}:1:1`;
}
