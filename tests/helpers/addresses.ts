// Client addresses for test requests. Auth and the API limit per address, and every test request reaches the stack
// from 127.0.0.1: without an address of its own each client would spend one budget shared by the whole suite.

import process from 'node:process';
let counter = 0;

/** A benchmarking-range address (RFC 2544, 198.18.0.0/15) unique to this test process and call. */
export function freshIp(): string {
  counter++;
  return `198.18.${(process.pid + counter) % 250}.${counter % 250}`;
}
