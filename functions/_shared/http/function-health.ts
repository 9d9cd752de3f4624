// GET /health for the functions that are not the API: the function is up and can reach its database.
import { createRoute, z } from '@hono/zod-openapi';
import { ApiError } from '../errors.ts';
import type { HoutaiApp } from './create-app.ts';
import { errorResponses, jsonContent } from './openapi.ts';

const route = createRoute({
  method: 'get',
  path: '/health',
  summary: 'Liveness and database reachability',
  responses: {
    200: jsonContent(z.object({ status: z.literal('ok'), function: z.string() }), 'Up'),
    ...errorResponses(503),
  },
});

export function registerFunctionHealth(app: HoutaiApp, name: string) {
  app.openapi(route, async (c) => {
    try {
      await c.var.db.asService((tx) => tx`select 1`);
    } catch {
      throw new ApiError('SERVICE_UNAVAILABLE', 'The database is unreachable.');
    }
    return c.json({ status: 'ok' as const, function: name }, 200);
  });
}
