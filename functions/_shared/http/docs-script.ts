// The API reference page's script: Scalar's browser bundle from the pinned npm package (@scalar/api-reference),
// served by our own route so /docs needs no public CDN (offline, or from mainland China where it often fails).
// Read from node_modules relative to this module: the local stack runs Deno from the checkout, and a deployed
// bundle carries the same file at the same relative path because [functions.api] static_files in
// supabase/config.toml lists it (so deploy from a checkout after `npm ci`).
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const SCALAR_SCRIPT_FILE = new URL(
  '../../../node_modules/@scalar/api-reference/dist/browser/standalone.js',
  import.meta.url,
);

let script: Promise<string> | undefined;

/** The bundle's text, read once per instance; a failed read is retried on the next request. */
export function scalarScript(): Promise<string> {
  const read = script ?? readFile(fileURLToPath(SCALAR_SCRIPT_FILE.href), 'utf8').catch((err: unknown) => {
    script = undefined;
    throw err;
  });
  script = read;
  return read;
}
