// `deno fmt --check` and `deno lint` as npm test runs them: the project's Deno over what deno.json's fmt and lint
// include (functions/, scripts/, tests/). Both run, side by side, so one failure does not hide the other.
import { execFile } from 'node:child_process';
import process from 'node:process';
import { promisify } from 'node:util';
import { DENO } from './deno.ts';
import { ROOT } from './project.ts';
import { errorLine } from './spawn.ts';

const CHECKS = [
  { label: 'deno fmt --check (`npx deno fmt` rewrites the files)', args: ['fmt', '--check'] },
  { label: 'deno lint', args: ['lint'] },
];

/** One check's failure, first line a summary and its whole output below; undefined when it passes. */
async function failureOf({ label, args }: (typeof CHECKS)[number]): Promise<string | undefined> {
  try {
    // No colours and no Rust backtrace: the output is the findings alone.
    const env = { ...process.env, NO_COLOR: '1', RUST_BACKTRACE: '0' };
    await promisify(execFile)(DENO, args, { cwd: ROOT, env, maxBuffer: 1 << 26 });
    return undefined;
  } catch (err) {
    const { code, stdout = '', stderr = '' } = err as { code?: number | string; stdout?: string; stderr?: string };
    const output = `${stdout}${stderr}`;
    return `${label} failed (exit ${code}): ${errorLine(output)}\n${output}`;
  }
}

/** Throws with every failing check's output; quiet when all pass. */
export async function checkDenoStyle(): Promise<void> {
  const failures = (await Promise.all(CHECKS.map(failureOf))).filter((f) => f !== undefined);
  if (failures.length > 0) throw new Error(failures.join('\n'));
}
