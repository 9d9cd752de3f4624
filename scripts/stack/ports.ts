// Free TCP ports on 127.0.0.1, so throwaway stacks never collide with `npm start` or with each other.
//
// Not port 0: the kernel would pick from its ephemeral range (32768–60999 on Linux), the range every outgoing
// connection also takes its local port from. A test run opens thousands of connections, and one of them could take
// the port between our check and the server's bind (seen as AddrInUse at a stack's start). Ports below that range
// are only ever taken by servers that ask for them.
import { createServer } from 'node:net';

const LOW = 20_000;
const HIGH = 32_767;

/** Whether a server could listen on `port` on 127.0.0.1 now. */
export function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
    if (await isFree(port)) return port;
  }
  throw new Error(`no free port found between ${LOW} and ${HIGH} on 127.0.0.1`);
}
