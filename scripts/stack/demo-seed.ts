// Demo data for `npm start` only (never the test or benchmark stacks, never production: [db.seed] in
// supabase/config.toml names seed/*.sql, not seed/demo/): a demo user per app, signed in with its email and
// DEMO_PASSWORD, and a few days of data where the app has tables. seed/demo/*.sql is applied on every start in one
// transaction and is idempotent; it reads the password from the `houtai.demo_password` setting, so the password
// lives here only and the banner prints what the seed set.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { ROOT } from './project.ts';

export const DEMO_PASSWORD = 'houtai-demo';
const DEMO_SEED_DIR = join(ROOT, 'seed/demo');

export async function applyDemoSeed(url: string): Promise<void> {
  const files = readdirSync(DEMO_SEED_DIR).filter((f) => f.endsWith('.sql')).sort();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.begin(async (tx) => {
      await tx`select set_config('houtai.demo_password', ${DEMO_PASSWORD}, true)`;
      for (const file of files) await tx.file(join(DEMO_SEED_DIR, file));
    });
  } finally {
    await sql.end();
  }
}

export interface DemoUser {
  app: string;
  email: string;
}

/** The demo users the seed made (app_metadata.demo_app names each one's app), in app order. */
export async function demoUsers(url: string): Promise<DemoUser[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    return await sql<DemoUser[]>`
      select raw_app_meta_data ->> 'demo_app' as app, email from auth.users
       where raw_app_meta_data ? 'demo_app' order by (raw_app_meta_data ->> 'demo_app')::public.app_id`;
  } finally {
    await sql.end();
  }
}

/** What `npm start` prints: how to sign in as each demo user. */
export function demoSignInLines(users: DemoUser[]): string[] {
  if (users.length === 0) return [];
  const width = Math.max(...users.map((u) => u.app.length));
  return [
    `Demo users (email sign-in, password "${DEMO_PASSWORD}": supabase.auth.signInWithPassword({ email, password })):`,
    ...users.map((u) => `  ${u.app.padEnd(width)}  ${u.email}`),
  ];
}
