// npm run openapi [-- <file>]: writes the API's OpenAPI 3.1 document — the one GET /api/v1/openapi.json serves — to
// openapi.json at the repository root, or to <file> (`-` for stdout), e.g. to generate an app's client. It needs no
// stack: the document comes from the routes' zod schemas. Its server is SUPABASE_URL when set (a project's
// https://<ref>.supabase.co), else the local stack's.
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { API_INFO, createApiApp } from '../functions/api/app.ts';
import { openApiDocument } from '../functions/_shared/http/system-routes.ts';
import { depsFromEnv } from '../functions/_shared/http/deps.ts';
import { loadConfig } from '../functions/_shared/env.ts';
import { ROOT, readProjectConfig } from './stack/project.ts';

const target = process.argv[2] ?? join(ROOT, 'openapi.json');
const serverUrl = process.env.SUPABASE_URL || `http://127.0.0.1:${readProjectConfig().apiPort}`;

// The app is built as deployed, with a database and JWT secret it never uses: no route runs.
const deps = depsFromEnv(loadConfig({ SUPABASE_URL: serverUrl, SUPABASE_DB_URL: 'postgres://unused', JWT_SECRET: 'unused-unused-unused-unused-unused' }));
try {
  const json = `${JSON.stringify(openApiDocument(createApiApp(deps), API_INFO, serverUrl), null, 2)}\n`;
  if (target === '-') process.stdout.write(json);
  else {
    writeFileSync(resolve(target), json);
    console.error(`wrote ${resolve(target)}`);
  }
} finally {
  await deps.rateLimiter.close();
  await deps.db.end();
}
