// `npm run openapi`: the document an app developer generates a client from is the one the API serves.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../../scripts/stack/project.ts';
import { call } from '../helpers/http.ts';
import { stackEnv } from '../helpers/stack.ts';
import process from 'node:process';

describe('npm run openapi', () => {
  const dir = mkdtempSync(join(tmpdir(), 'houtai-openapi-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'writes the same OpenAPI document GET /openapi.json serves, for the server in SUPABASE_URL',
    { timeout: 60_000 },
    async () => {
      const file = join(dir, 'openapi.json');
      const run = spawnSync('npm', ['run', '--silent', 'openapi', '--', file], {
        cwd: ROOT,
        env: { ...process.env, SUPABASE_URL: stackEnv().apiUrl },
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(0);
      const served = await call('GET', '/openapi.json');
      expect(served.status).toBe(200);
      expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual(served.body);
    },
  );
});
