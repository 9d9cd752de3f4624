// npm run reset: wipes the dev stack's database, keys and files; the next `npm start` begins from scratch.
import { join } from 'node:path';
import { clusterDataDir, removeStackFiles } from './stack/cluster-dir.ts';
import { LOCAL_DIR } from './stack/project.ts';
import { runningPid } from './stack/postgres.ts';
import process from 'node:process';

const dir = join(LOCAL_DIR, 'dev');
const dataDir = clusterDataDir(dir);
const pid = runningPid(dataDir);
if (pid) {
  console.error(`The local stack is running (postgres pid ${pid}): stop it with Ctrl-C first.`);
  process.exit(1);
}
removeStackFiles(dir);
console.log(
  `Removed ${dir}${dataDir.startsWith(dir) ? '' : ` and ${dataDir}`}. The next \`npm start\` creates a fresh database.`,
);
