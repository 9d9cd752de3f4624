// Where things are in the repository, and the parts of supabase/config.toml the local stack obeys. This is the
// stack's only reader of config.toml (Node scripts and the Deno gateway alike), so a setting is written once there.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'smol-toml';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const LOCAL_DIR = join(ROOT, '.local');
export const CONFIG_TOML = join(ROOT, 'supabase/config.toml');

export interface ProjectConfig {
  apiPort: number;
  dbPort: number;
  /** [studio] port: where `npm run admin` serves the local admin tool, as Studio would. */
  studioPort: number;
  /** [local_smtp] port and smtp_port: `npm start`'s mail catcher, where the CLI's Mailpit would be. */
  mailPorts: { web: number; smtp: number };
  apiSchemas: string[];
  seedPaths: string[];
  /** Enabled functions; paths are absolute (config.toml names them relative to supabase/). */
  functions: Record<string, FunctionConfig>;
  /** [storage] file_size_limit as written ("100MiB"). */
  storageFileSizeLimit?: string;
  /** The [auth] section as written: the Auth emulator's settings (emulators/auth/config.ts). */
  auth: AuthToml;
}

/**
 * config.toml as written: the keys the local stack and the deploy read (the file has more; the CLI validates it).
 * Everything is optional here, as in the file: readers check what they need (`required`) or default it.
 */
export interface ConfigToml {
  project_id?: string;
  api?: { port?: number; schemas?: string[] };
  db?: { port?: number; seed?: { sql_paths?: string[] }; migrations?: { schema_paths?: string[] } };
  studio?: { port?: number };
  /** The local mail catcher's ports (the CLI's name for the section that was [inbucket]). */
  local_smtp?: { enabled?: boolean; port?: number; smtp_port?: number };
  storage?: { file_size_limit?: string };
  edge_runtime?: Record<string, unknown>;
  functions?: Record<string, FunctionToml>;
  auth?: AuthToml;
}

/** A [functions.<name>] table. */
export interface FunctionToml {
  enabled?: boolean;
  verify_jwt?: boolean;
  entrypoint: string;
  import_map?: string;
  static_files?: string[];
}

/** The [auth] section: what GoTrue (and so the local Auth emulator) is configured with. */
export interface AuthToml {
  site_url?: string;
  additional_redirect_urls?: string[];
  jwt_expiry?: number;
  refresh_token_reuse_interval?: number;
  enable_signup?: boolean;
  enable_anonymous_sign_ins?: boolean;
  enable_manual_linking?: boolean;
  minimum_password_length?: number;
  rate_limit?: Partial<
    Record<
      'sign_in_sign_ups' | 'token_refresh' | 'token_verifications' | 'anonymous_users' | 'sms_sent' | 'email_sent',
      number
    >
  >;
  email?: {
    enabled?: boolean;
    enable_confirmations?: boolean;
    double_confirm_changes?: boolean;
    secure_password_change?: boolean;
    max_frequency?: string;
    otp_length?: number;
    otp_expiry?: number;
    /** Values may be `env(NAME)` (resolveEnv). */
    smtp?: SmtpToml;
    template?: Record<string, { subject?: string; content_path?: string }>;
  };
  sms?: { enabled?: boolean; enable_confirmations?: boolean; otp_expiry?: number; max_frequency?: string };
  /** `uri` and `secrets` may be `env(NAME)` (resolveEnv). */
  hook?: { send_sms?: { enabled?: boolean; uri?: string; secrets?: string } };
  mfa?: { max_enrolled_factors?: number; totp?: { enroll_enabled?: boolean; verify_enabled?: boolean } };
  /** [auth.external.<provider>]: OAuth and ID-token sign-in providers. */
  external?: Record<string, ExternalProviderToml>;
}

/** An [auth.external.<provider>] table; `client_id` and `secret` may be `env(NAME)`. */
export interface ExternalProviderToml {
  enabled?: boolean;
  /** Comma-separated: every audience the provider's ID tokens may carry. */
  client_id?: string;
  secret?: string;
  redirect_uri?: string;
  url?: string;
  skip_nonce_check?: boolean;
  email_optional?: boolean;
}

/** [auth.email.smtp]: `host`, `user`, `pass`, `admin_email` and `sender_name` may be `env(NAME)`. */
export interface SmtpToml {
  enabled?: boolean;
  host?: string;
  port?: number;
  user?: string;
  pass?: string;
  admin_email?: string;
  sender_name?: string;
}

export interface FunctionConfig {
  verifyJwt: boolean;
  entrypoint: string;
  /** The import map (deno.json) the function resolves bare specifiers with, when config.toml names one. */
  importMap?: string;
  /** Files deployed with the function for it to read at run time (`static_files`). */
  staticFiles: string[];
}

/** config.toml parsed, as the Supabase CLI reads it before defaults and env() substitution. */
export function readConfigToml(): ConfigToml {
  return parse(readFileSync(CONFIG_TOML, 'utf8')) as ConfigToml;
}

/** A value the local stack cannot guess: written in config.toml, never defaulted here. */
function required<T>(value: T | undefined, key: string): T {
  if (value === undefined) throw new Error(`supabase/config.toml: ${key} is not set`);
  return value;
}

/** `[auth] site_url` on local stacks (config.toml: env(SUPABASE_AUTH_SITE_URL)), where `npm start` serves a page. */
export const LOCAL_SITE_URL = 'http://127.0.0.1:3000';

export function readProjectConfig(toml: ConfigToml = readConfigToml()): ProjectConfig {
  const functions: ProjectConfig['functions'] = {};
  for (const [name, fn] of Object.entries(toml.functions ?? {})) {
    if (fn.enabled === false) continue;
    // The CLI's defaults: a function is enabled and demands a JWT unless config.toml says otherwise.
    const path = (p: string) => resolve(ROOT, 'supabase', p);
    functions[name] = {
      verifyJwt: fn.verify_jwt !== false,
      entrypoint: path(fn.entrypoint),
      importMap: fn.import_map ? path(fn.import_map) : undefined,
      staticFiles: (fn.static_files ?? []).map(path),
    };
  }
  return {
    apiPort: required(toml.api?.port, 'api.port'),
    dbPort: required(toml.db?.port, 'db.port'),
    studioPort: required(toml.studio?.port, 'studio.port'),
    mailPorts: {
      web: required(toml.local_smtp?.port, 'local_smtp.port'),
      smtp: required(toml.local_smtp?.smtp_port, 'local_smtp.smtp_port'),
    },
    apiSchemas: required(toml.api?.schemas, 'api.schemas'),
    seedPaths: toml.db?.seed?.sql_paths ?? [],
    functions,
    storageFileSizeLimit: toml.storage?.file_size_limit,
    auth: toml.auth ?? {},
  };
}

/**
 * A config.toml value with `env(NAME)` replaced by NAME's value, as the Supabase CLI does when it reads the file
 * (only a whole value of that form; an unset or empty NAME leaves nothing here, where the CLI would keep the text).
 */
export function resolveEnv(value: unknown, env: Record<string, string | undefined>): string | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^env\((.*)\)$/.exec(value);
  if (!m) return value;
  return env[m[1]] || undefined;
}

/** Files named by config.toml path patterns (relative to `baseDir`, `*` globs in the file name), each pattern's
 * matches sorted by name, every file once: how the CLI reads `sql_paths` and `schema_paths`. */
export function globFiles(baseDir: string, patterns: string[]): string[] {
  const files: string[] = [];
  for (const pattern of patterns) {
    const abs = resolve(baseDir, pattern);
    const dir = dirname(abs);
    const glob = abs.slice(dir.length + 1);
    const re = new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
    for (const f of readdirSync(dir).filter((f) => re.test(f)).sort()) {
      if (!files.includes(join(dir, f))) files.push(join(dir, f));
    }
  }
  return files;
}

/**
 * The declarative schema files, in the order `[db.migrations] schema_paths` lists them, as the Supabase CLI applies
 * them. `supabaseDir` may be a scratch copy of supabase/ (its own config.toml is read).
 */
export function schemaFiles(supabaseDir = join(ROOT, 'supabase')): string[] {
  const toml = parse(readFileSync(join(supabaseDir, 'config.toml'), 'utf8')) as ConfigToml;
  const patterns = toml.db?.migrations?.schema_paths ?? [];
  if (patterns.length === 0) throw new Error(`${supabaseDir}/config.toml: [db.migrations] schema_paths is not set`);
  return globFiles(supabaseDir, patterns);
}
