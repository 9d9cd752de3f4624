// npm run deploy [-- <function>...] [--project-ref <ref>] [--dry-run]
//
// Deploys the functions config.toml lists (api, hooks, worker) as they are in the repository: stages each into
// .local/deploy in the layout the CLI's Docker-free deploy accepts (scripts/deploy/stage.ts), checks each staged
// function as the remote bundler will see it (Deno 2.1, its own deno.json and frozen lock, no node_modules), then
// runs `supabase functions deploy <name> --use-api --remote=<ref> --yes` from the staging folder for each.
// Without a project ref (SUPABASE_PROJECT_REF or --project-ref), or with --dry-run, it stops after the check and
// prints the commands. The CLI needs `supabase login` or SUPABASE_ACCESS_TOKEN; secrets are set beforehand with
// `supabase secrets set --env-file <file> --remote=<ref>`.
import { relative } from 'node:path';
import { parseArgs } from 'node:util';
import { ROOT } from '../stack/project.ts';
import { deployArgs, deployStaged } from './cli.ts';
import { checkFrozen, denoRegistryEnv } from './deno-lock.ts';
import { STAGE_DIR, stageFunctions } from './stage.ts';
import process from 'node:process';

const { values, positionals } = parseArgs({
  options: { 'project-ref': { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
  allowPositionals: true,
});
const ref = values['project-ref'] ?? process.env.SUPABASE_PROJECT_REF;

const denoEnv = denoRegistryEnv();
const staged = stageFunctions({ out: STAGE_DIR, names: positionals.length > 0 ? positionals : undefined, denoEnv });
for (const fn of staged) {
  const check = checkFrozen(fn.dir, denoEnv);
  if (!check.ok) {
    console.error(
      `${fn.name}, as staged in ${
        relative(ROOT, fn.dir)
      }, does not resolve and type-check as the bundler sees it:\n${check.output}`,
    );
    process.exit(1);
  }
  console.log(
    `staged ${fn.name}: ${relative(ROOT, fn.dir)} (resolves and type-checks with its own deno.json and lock)`,
  );
}

const command = (name: string) =>
  `(cd ${relative(ROOT, STAGE_DIR)} && npx supabase ${deployArgs(name, ref ?? '<project-ref>').join(' ')})`;

if (!ref || values['dry-run']) {
  console.log(
    `\n${
      ref ? 'Dry run' : 'No project ref (SUPABASE_PROJECT_REF or --project-ref)'
    }: nothing deployed. The deploy would run:`,
  );
  for (const fn of staged) console.log(`  ${command(fn.name)}`);
  process.exit(0);
}

for (const fn of staged) {
  console.log(`\n$ ${command(fn.name)}`);
  const res = await deployStaged(STAGE_DIR, fn.name, ref);
  if (res.code !== 0) {
    console.error(
      `deploying ${fn.name} failed (exit ${res.code}${
        res.output ? `: ${res.output}` : ''
      }); the functions before it are deployed.`,
    );
    process.exit(1);
  }
}
console.log(`\nDeployed ${staged.map((fn) => fn.name).join(', ')} to ${ref}.`);
