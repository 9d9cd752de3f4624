// The gateway's environment (scripts/stack/functions-env.ts): a developer's .env.local and shell exports configure
// `npm start`, and never a throwaway stack, whose settings are the repository's and its caller's alone.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { functionsEnv, LOCAL_ENV_FILE } from '../../scripts/stack/functions-env.ts';

const root = mkdtempSync(join(tmpdir(), 'houtai-env-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
writeFileSync(
  join(root, LOCAL_ENV_FILE),
  [
    'RATE_LIMIT_ENABLED=false',
    'AI_API_KEY="sk-from-env-local"',
    'SUPABASE_URL=http://127.0.0.1:9999',
    'MY_OWN_TOGGLE=1',
  ].join('\n'),
);

/** How to run programs here: what every stack takes from the shell. */
const runtime = {
  PATH: '/usr/local/bin:/usr/bin',
  HOME: '/home/dev',
  DENO_CERT: '/etc/ssl/npm-ca.pem',
  LC_ALL: 'C.UTF-8',
};
const shell = {
  ...runtime,
  RATE_LIMIT_READ_USER: '1/60',
  AI_API_KEY: 'sk-from-shell',
  A_SETTING_ADDED_LATER: 'on',
  UNSET: undefined,
};
const stackValues = { SUPABASE_URL: 'http://127.0.0.1:54321', JWT_SECRET: 'stack-secret' };
const callerEnv = { RATE_LIMIT_WRITE_USER: '2/60', JWT_SECRET: 'caller-secret' };
/** The stack's values with its caller's over them: on top in every stack. */
const stackAndCaller = {
  SUPABASE_URL: 'http://127.0.0.1:54321',
  JWT_SECRET: 'caller-secret',
  RATE_LIMIT_WRITE_USER: '2/60',
};

describe('the functions environment', () => {
  it("of a throwaway stack: no setting from .env.local or shell; runtime variables, its values, its caller's", () => {
    const env = functionsEnv({ throwaway: true, env: callerEnv }, stackValues, { root, inherited: shell });
    expect(env).toEqual({ ...runtime, ...stackAndCaller });
  });

  it("of npm start's stack layers the shell, then .env.local, then the stack's values, then its caller's", () => {
    const env = functionsEnv({ throwaway: false, env: callerEnv }, stackValues, { root, inherited: shell });
    expect(env).toEqual({
      ...runtime,
      RATE_LIMIT_READ_USER: '1/60',
      A_SETTING_ADDED_LATER: 'on',
      RATE_LIMIT_ENABLED: 'false',
      AI_API_KEY: 'sk-from-env-local',
      MY_OWN_TOGGLE: '1',
      ...stackAndCaller,
    });
  });
});
