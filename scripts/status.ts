// npm run status: the dev stack's URLs and keys, like `supabase status -o env` (or one JSON object with --json).
import { join } from 'node:path';
import { LOCAL_DIR } from './stack/project.ts';
import { isAlive, readStackInfo, type StackInfo } from './stack/stack.ts';
import process from 'node:process';

export function statusValues(info: StackInfo): Record<string, string> {
  return {
    ANON_KEY: info.keys.anonKey,
    API_URL: info.apiUrl,
    DB_URL: info.dbUrl,
    // Where the database's files are: in .local/dev, or in the postgres OS user's home
    // when it cannot enter the checkout.
    ...(info.dataDir ? { DB_DATA_DIR: info.dataDir } : {}),
    FUNCTIONS_URL: info.functionsUrl,
    JWT_SECRET: info.keys.jwtSecret,
    PUBLISHABLE_KEY: info.keys.publishableKey,
    SECRET_KEY: info.keys.secretKey,
    SERVICE_ROLE_KEY: info.keys.serviceRoleKey,
  };
}

export function statusLines(info: StackInfo): string[] {
  return Object.entries(statusValues(info)).map(([k, v]) => `${k}="${v}"`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const info = readStackInfo(join(LOCAL_DIR, 'dev'));
  if (!info) {
    console.error('No local stack yet: run `npm start`.');
    process.exit(1);
  }
  const running = isAlive(info.pids.supervisor) && isAlive(info.pids.postgres) && isAlive(info.pids.gateway);
  if (process.argv.includes('--json')) console.log(JSON.stringify(statusValues(info)));
  else console.log(statusLines(info).join('\n'));
  if (!running) {
    console.error('The local stack is not running (values are from its last start): run `npm start`.');
    process.exit(1);
  }
}
