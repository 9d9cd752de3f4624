// npm run admin: the local admin tool (DbGate) on the running `npm start` stack's database, where Studio would be
// (config.toml [studio] port). Installs DbGate on first use; stops on Ctrl-C or when the stack stops.
import { join } from 'node:path';
import { startAdminTool, stopWhenGone } from './admin/dbgate.ts';
import { LOCAL_DIR, readProjectConfig } from './stack/project.ts';
import { isAlive, readStackInfo } from './stack/stack.ts';
import process from 'node:process';

export const adminToolUrl = (port: number) => `http://127.0.0.1:${port}`;

/** What `npm start` prints about the admin tool. */
export function adminToolLines(port: number): string[] {
  return [
    `Admin tool (DbGate, in place of Studio): run \`npm run admin\` in another terminal, then open ${
      adminToolUrl(port)
    }`,
    '  signed in to this database as postgres; edit public.app_config (remote config) and internal.sync_settings there',
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const stackDir = join(LOCAL_DIR, 'dev');
  const info = readStackInfo(stackDir);
  const stackUp = () => !!info && isAlive(info.pids.supervisor) && isAlive(info.pids.postgres);
  if (!info || !stackUp()) {
    console.error('[admin] the local stack is not running: start it with `npm start`, then run `npm run admin`.');
    process.exit(1);
  }
  const tool = await startAdminTool({
    dbUrl: info.dbUrl,
    port: readProjectConfig().studioPort,
    workspaceDir: join(stackDir, 'admin'),
    onInstall: () => console.log('[admin] installing DbGate into .local/tools/dbgate (first use only)…'),
  }).catch((err: unknown) => {
    console.error(`[admin] could not start DbGate: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  });
  console.log(`[admin] DbGate at ${tool.url} — the local database as postgres (superuser; 127.0.0.1 only).`);
  // DbGate 7.2.2's community web build refuses Save in its table grid (its per-table permission check grants nothing
  // without the paid edition's storage); its SQL editor runs updates. tests/admin/dbgate.test.ts edits that way.
  console.log(
    '[admin] Browse public.app_config and internal.sync_settings there; ' +
      'change them with an update in a query tab (New Query).',
  );
  console.log('[admin] Ctrl-C stops it; so does stopping `npm start`.');
  console.log(`[admin] log: ${tool.logFile}`);

  let stopping = false;
  const stop = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`[admin] ${why}: stopping DbGate…`);
    await tool.stop();
    process.exit(code);
  };
  // By the stack's PIDs: a later `npm start` has new ones, and this tool belonged to the one that stopped.
  void stopWhenGone(tool, [info.pids.supervisor, info.pids.postgres]).then((why) => {
    if (stopping) return;
    console.log(
      why === 'stack gone'
        ? '[admin] the local stack stopped: DbGate stopped too.'
        : `[admin] DbGate exited unexpectedly: see ${tool.logFile}`,
    );
    process.exit(why === 'stack gone' ? 0 : 1);
  });
  process.on('SIGINT', () => void stop('Ctrl-C', 0));
  process.on('SIGTERM', () => void stop('SIGTERM', 0));
  process.on('SIGHUP', () => void stop('SIGHUP', 0));
}
