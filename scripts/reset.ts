// npm run reset: wipes the dev stack's database, keys and files; the next `npm start` begins from scratch.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_DIR } from './stack/project.ts';
import { runningPid } from './stack/postgres.ts';

const dir = join(LOCAL_DIR, 'dev');
const pid = runningPid(join(dir, 'pgdata'));
if (pid) {
  console.error(`The local stack is running (postgres pid ${pid}): stop it with Ctrl-C first.`);
  process.exit(1);
}
rmSync(dir, { recursive: true, force: true });
console.log(`Removed ${dir}. The next \`npm start\` creates a fresh database.`);
