// The environment the gateway runs every function and emulator with. `npm start` layers the developer's settings
// (shell exports, then .env.local) under the stack's own values. A throwaway stack (`npm test`, `npm run bench`)
// is hermetic: it takes no setting from .env.local or the shell, only the stack's values and its caller's `env`,
// so a local override can never change what a run tests or measures.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where a developer keeps overrides and provider credentials for `npm start` (git-ignored). */
export const LOCAL_ENV_FILE = '.env.local';

/** KEY=VALUE lines of an env file; none when it does not exist. */
function readEnvFile(file: string): Record<string, string> {
  if (!existsSync(file)) return {};
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^\s*([A-Z0-9_]+)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) env[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return env;
}

/** Names (and name patterns) RUNTIME_VARIABLE lets through, by what they are for. */
const RUNTIME_VARIABLE_NAMES = [
  'PATH|HOME|USER|LOGNAME|SHELL|TERM|NO_COLOR|TMPDIR|TMP|TEMP|XDG_[A-Z_]+', // programs and their folders
  'TZ|LANG|LANGUAGE|LC_[A-Z]+', // time zone and locale
  'DENO_[A-Z_]+|SSL_CERT_(FILE|DIR)|NODE_EXTRA_CA_CERTS', // Deno's cache, certificates
  '(HTTPS?|NO|ALL)_PROXY|(https?|no|all)_proxy', // proxies
];

/**
 * What a throwaway stack takes from the shell: how to run programs here (paths, locale, time zone, Deno's cache and
 * certificates, proxies), never a setting. A list of what may pass rather than of what may not, so a setting added
 * later cannot leak in unnoticed; a variable missing here makes the stack fail to start, loudly.
 */
export const RUNTIME_VARIABLE = new RegExp(`^(${RUNTIME_VARIABLE_NAMES.join('|')})$`);

export interface FunctionsEnvSources {
  /** The checkout: where .env.local is. */
  root: string;
  /** The environment the stack was started from: runtime variables and whatever else the shell exports. */
  inherited: Record<string, string | undefined>;
}

/**
 * The gateway's environment: the stack's own values (URLs, keys, database), over the developer's settings for a
 * persistent stack or over none for a throwaway one, and the caller's `env` over everything.
 */
export function functionsEnv(
  opts: { throwaway: boolean; env?: Record<string, string> },
  stackValues: Record<string, string>,
  { root, inherited }: FunctionsEnvSources,
): Record<string, string> {
  const base = Object.fromEntries(
    Object.entries(inherited).filter((entry): entry is [string, string] =>
      entry[1] !== undefined && (!opts.throwaway || RUNTIME_VARIABLE.test(entry[0]))
    ),
  );
  const local = opts.throwaway ? {} : readEnvFile(join(root, LOCAL_ENV_FILE));
  return { ...base, ...local, ...stackValues, ...opts.env };
}
