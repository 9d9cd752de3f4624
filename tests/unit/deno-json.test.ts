import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/stack/project.ts';
import { denoJson } from '../../scripts/sync-deno-json.ts';

describe('deno.json', () => {
  it('maps exactly the versions package.json installs (after changing deps: npx tsx scripts/sync-deno-json.ts)', () => {
    expect(readFileSync(join(ROOT, 'deno.json'), 'utf8')).toBe(denoJson());
  });
});
