// npm start: the persistent local stack under .local/dev (data survives restarts; `npm run reset` wipes it).
import { join } from 'node:path';
import { LOCAL_DIR, LOCAL_SITE_URL, readProjectConfig } from './stack/project.ts';
import { startStack } from './stack/stack.ts';
import { statusLines } from './status.ts';
import { startWorkerLoop } from './stack/worker-loop.ts';
import { demoSignInLines, demoUsers } from './stack/demo-seed.ts';
import { adminToolLines } from './admin.ts';
import process from 'node:process';
import { startSitePage } from './stack/site-page.ts';

const config = readProjectConfig();
const started = Date.now();
const stack = await startStack({
  dir: join(LOCAL_DIR, 'dev'),
  apiPort: config.apiPort,
  dbPort: config.dbPort,
  throwaway: false,
  demo: true,
  gatewayOutput: 'inherit',
  mailPorts: config.mailPorts,
}).catch((err: unknown) => {
  console.error(`\n[houtai] could not start the local stack:\n${err instanceof Error ? err.message : err}`);
  process.exit(1);
});

console.log(`\n[houtai] local stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s — Ctrl-C stops it\n`);
console.log(statusLines(stack).join('\n'));
console.log(`\n${demoSignInLines(await demoUsers(stack.dbUrl)).join('\n')}`);
console.log(`\nAPI docs: ${stack.functionsUrl}/api/v1/docs`);
console.log(`Mail (what Auth sends: confirmations, password resets, sign-in codes): ${stack.mailUrl}`);
const sitePage = await startSitePage(LOCAL_SITE_URL, {
  authUrl: `${stack.apiUrl}/auth/v1`,
  apiKey: stack.keys.publishableKey,
});
console.log(
  'server' in sitePage
    ? `Mailed links with no redirectTo open ${sitePage.url} (site_url): a reset link there asks for the new password`
    : `[houtai] no page at site_url: ${sitePage.skipped}`,
);
console.log(`${adminToolLines(config.studioPort).join('\n')}\n`);
const workerLoop = startWorkerLoop(stack.functionsUrl, stack.keys.secretKey);

let shuttingDown = false;
const shutdown = async (code: number) => {
  if (shuttingDown) return;
  shuttingDown = true;
  console.log('\n[houtai] stopping…');
  await workerLoop.stop();
  if ('server' in sitePage) sitePage.server.close();
  await stack.stop();
  process.exit(code);
};
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
process.on('SIGHUP', () => void shutdown(0));
stack.crashed.then((name) => {
  // Ctrl-C reaches the gateway too, which stops on its own (after flushing its functions): expected, not a crash.
  if (shuttingDown) return;
  console.error(`[houtai] ${name} exited unexpectedly; stopping the stack`);
  void shutdown(1);
});
