// The OpenAPI 3.1 documents of the three functions, built from their routes' zod schemas without a stack: the apps
// are built as deployed, with a database and JWT secret they never use (no route runs).
import { API_INFO, createApiApp } from '../../functions/api/app.ts';
import { createHooksApp } from '../../functions/hooks/app.ts';
import { createWorkerApp } from '../../functions/worker/app.ts';
import { openApiDocument } from '../../functions/_shared/http/system-routes.ts';
import { depsFromEnv } from '../../functions/_shared/http/deps.ts';
import { loadConfig } from '../../functions/_shared/env.ts';
import { readProjectConfig } from '../stack/project.ts';

export type OpenApiDocument = ReturnType<typeof openApiDocument>;

/** The local stack's URL: the server of the committed document, so it is the same on every machine. */
export const localServerUrl = () => `http://127.0.0.1:${readProjectConfig().apiPort}`;

/** The API's document (the one GET /api/v1/openapi.json serves) and the hooks' and worker's, for `serverUrl`. */
export async function functionDocuments(
  serverUrl = localServerUrl(),
): Promise<Record<'api' | 'hooks' | 'worker', OpenApiDocument>> {
  const deps = depsFromEnv(
    loadConfig({
      SUPABASE_URL: serverUrl,
      SUPABASE_DB_URL: 'postgres://unused',
      JWT_SECRET: 'unused-unused-unused-unused-unused',
    }),
  );
  try {
    const info = (title: string) => ({ title, description: `The ${title} function's routes (not for apps).` });
    return {
      api: openApiDocument(createApiApp(deps), API_INFO, serverUrl),
      hooks: openApiDocument(createHooksApp(deps), info('hooks'), serverUrl),
      worker: openApiDocument(createWorkerApp(deps), info('worker'), serverUrl),
    };
  } finally {
    await deps.rateLimiter.close();
    await deps.db.end();
  }
}
