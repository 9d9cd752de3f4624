// Brings a running cluster to the state a Supabase project's database has: the platform bootstrap from
// sql/bootstrap, our migrations applied by the real Supabase CLI, then the seed files config.toml names (and, for
// `npm start` only, the demo seed).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { applyDemoSeed } from './demo-seed.ts';
import { globFiles, LOCAL_SITE_URL, readProjectConfig, ROOT } from './project.ts';
import { runChecked } from './spawn.ts';
import { Buffer } from 'node:buffer';
import process from 'node:process';

// The CLI validates config.toml whole, even for database commands, and [auth] site_url, [auth.hook.send_sms] and
// [auth.email.smtp] name their values through env(): any well-formed values satisfy it when a command does not use
// them.
const PLACEHOLDER_HOOK = {
  SEND_SMS_HOOK_URI: 'http://127.0.0.1/functions/v1/hooks/auth/send-sms',
  SEND_SMS_HOOK_SECRETS: `v1,whsec_${Buffer.alloc(32, 1).toString('base64')}`,
  SMTP_HOST: '127.0.0.1',
  SMTP_USER: 'placeholder',
  SMTP_PASS: 'placeholder',
  SMTP_ADMIN_EMAIL: 'no-reply@houtai.local',
  SUPABASE_AUTH_SITE_URL: LOCAL_SITE_URL,
};

export function supabaseCli(args: string[], opts: { quiet?: boolean } = {}): { stdout: string; stderr: string } {
  const res = runChecked(`supabase ${args.slice(0, 2).join(' ')}`, join(ROOT, 'node_modules/.bin/supabase'), args, {
    cwd: ROOT,
    env: {
      ...PLACEHOLDER_HOOK,
      ...process.env,
      SUPABASE_TELEMETRY_DISABLED: '1',
      DO_NOT_TRACK: '1',
    },
  });
  if (!opts.quiet && res.stderr.trim()) process.stderr.write(res.stderr);
  return res;
}

export function cliDbUrl(url: string): string {
  return `${url}?sslmode=disable`;
}

async function runFiles(url: string, files: string[]): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    for (const file of files) await sql.file(file);
  } finally {
    await sql.end();
  }
}

export async function bootstrapPlatform(url: string): Promise<void> {
  const dir = join(ROOT, 'sql/bootstrap');
  await runFiles(url, readdirSync(dir).filter((f) => f.endsWith('.sql')).sort().map((f) => join(dir, f)));
  // PostgREST (and `supabase db advisors`) learn the exposed schemas from this setting.
  const schemas = readProjectConfig().apiSchemas.join(', ');
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql.unsafe(`alter role authenticator set pgrst.db_schemas = '${schemas.replace(/'/g, "''")}'`);
  } finally {
    await sql.end();
  }
}

export function applyMigrations(url: string): void {
  supabaseCli(['migration', 'up', `--remote=${cliDbUrl(url)}`, '--yes'], { quiet: true });
}

export async function applySeeds(url: string): Promise<void> {
  await runFiles(url, globFiles(join(ROOT, 'supabase'), readProjectConfig().seedPaths));
}

export async function prepareDatabase(url: string, opts: { demo: boolean }): Promise<void> {
  await bootstrapPlatform(url);
  applyMigrations(url);
  await applySeeds(url);
  if (opts.demo) await applyDemoSeed(url);
}
