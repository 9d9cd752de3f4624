// npm run openapi: writes the API's OpenAPI 3.1 document — the one GET /api/v1/openapi.json serves — and the
// TypeScript client types generated from it to openapi/api.json and openapi/api.d.ts (committed; the server in them
// is the local stack's, so they are the same on every machine). It needs no stack: the document comes from the
// routes' zod schemas.
// npm run openapi -- <file>: writes only the document, to <file> (`-` for stdout), e.g. to generate an app's client;
// its server is SUPABASE_URL when set (a project's https://<ref>.supabase.co), else the local stack's.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { ROOT } from './stack/project.ts';
import { committedFiles } from './openapi/committed.ts';
import { functionDocuments, localServerUrl } from './openapi/documents.ts';
import process from 'node:process';

const target = process.argv[2];

if (target === undefined) {
  for (const { path, text } of await committedFiles()) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    console.error(`wrote ${relative(ROOT, path)}`);
  }
} else {
  const { api } = await functionDocuments(process.env.SUPABASE_URL || localServerUrl());
  const json = `${JSON.stringify(api, null, 2)}\n`;
  if (target === '-') process.stdout.write(json);
  else {
    writeFileSync(resolve(target), json);
    console.error(`wrote ${resolve(target)}`);
  }
}
