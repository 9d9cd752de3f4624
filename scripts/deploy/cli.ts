// The Supabase CLI's Docker-free deploy of one staged function, run from the staging folder (the CLI's workdir,
// where it finds supabase/config.toml and supabase/functions/<name>/). `--remote=<ref>` is CLI 3's name for the
// project (`--project-ref` is deprecated there). `--yes` because `npm run deploy` with a project ref is the
// deployer's go-ahead, and a run without a terminal (CI) could not answer the CLI's "Deploy 1 Function?" prompt.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from '../stack/project.ts';
import process from 'node:process';
import { Buffer } from 'node:buffer';

export const SUPABASE_CLI = join(ROOT, 'node_modules/.bin/supabase');

export function deployArgs(name: string, ref: string): string[] {
  return ['functions', 'deploy', name, '--use-api', `--remote=${ref}`, '--yes'];
}

/**
 * Runs the deploy of `name` from `workdir`, `env` laid over the shell's (where the CLI finds its token). With
 * `capture`, its output is returned instead of shown.
 */
export function deployStaged(
  workdir: string,
  name: string,
  ref: string,
  opts: { env?: Record<string, string>; capture?: boolean } = {},
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(SUPABASE_CLI, deployArgs(name, ref), {
      cwd: workdir,
      env: { ...process.env, SUPABASE_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1', ...opts.env },
      stdio: opts.capture ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c));
    child.stderr?.on('data', (c: Buffer) => (output += c));
    child.on('error', (err) => resolve({ code: 1, output: `could not run ${SUPABASE_CLI}: ${err.message}` }));
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}
