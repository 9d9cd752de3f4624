// The one place a function's Hono app is wired: request id, logging and metrics, CORS, body limit, the
// error envelope for every failure (validation, malformed JSON, unknown routes, uncaught exceptions).
import { OpenAPIHono } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import type { Db } from '../db.ts';
import type { Config } from '../env.ts';
import { ApiError, errorBody, fromPostgresError, validationFailed } from '../errors.ts';
import type { VerifyJwt } from '../jwt.ts';
import type { RateLimiter } from '../rate-limit.ts';
import type { AppEnv } from './context.ts';
import { inputGuard } from './middleware/input-guard.ts';
import { requestLog } from './middleware/request-log.ts';

export interface AppDeps {
  config: Config;
  db: Db;
  verifyJwt: VerifyJwt;
  rateLimiter: RateLimiter;
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  const fromDb = fromPostgresError(err);
  if (fromDb) return fromDb;
  if (err instanceof HTTPException) {
    if (err.status === 400 && /json/i.test(err.message)) {
      return new ApiError('MALFORMED_JSON', 'The request body is not valid JSON.');
    }
    if (err.status === 400) return new ApiError('VALIDATION_FAILED', err.message || 'The request is invalid.');
    if (err.status === 413) return new ApiError('PAYLOAD_TOO_LARGE', 'The request body is too large.');
    if (err.status === 401) return new ApiError('UNAUTHORIZED', err.message || 'Unauthorized.');
    // zod-openapi's media-type gate: a JSON route sent another Content-Type, or a body without one.
    if (err.status === 415) {
      return new ApiError(
        'UNSUPPORTED_MEDIA_TYPE',
        'Send the request body as JSON with "Content-Type: application/json".',
      );
    }
  }
  return new ApiError('INTERNAL_ERROR', 'Something went wrong on our side; the request id identifies it in our logs.');
}

/** The error envelope; its code is kept for the request's log line. */
function errorResponse(c: Context<AppEnv>, err: ApiError) {
  c.set('errorCode', err.code);
  return c.json(errorBody(err, c.var.requestId ?? ''), err.status, err.headers);
}

export function createApp(basePath: string, deps: AppDeps) {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationFailed(result.error, result.target);
    },
  }).basePath(basePath);

  app.use('*', requestId());
  app.use('*', async (c, next) => {
    c.set('config', deps.config);
    c.set('db', deps.db);
    c.set('verifyJwt', deps.verifyJwt);
    c.set('rateLimiter', deps.rateLimiter);
    await next();
  });
  app.use('*', requestLog);
  app.use(
    '*',
    cors({
      origin: deps.config.corsOrigins,
      allowHeaders: ['authorization', 'apikey', 'content-type', 'x-client-info', 'x-request-id', 'idempotency-key'],
      allowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      exposeHeaders: ['x-request-id', 'retry-after'],
      maxAge: 86400,
    }),
  );
  app.use(
    '*',
    bodyLimit({
      maxSize: deps.config.bodyLimitBytes,
      onError: () => {
        throw new ApiError('PAYLOAD_TOO_LARGE', `The request body exceeds ${deps.config.bodyLimitBytes} bytes.`);
      },
    }),
  );
  app.use('*', inputGuard);

  app.onError((err, c) => {
    const apiError = toApiError(err);
    if (apiError.status >= 500) {
      console.error(
        JSON.stringify({
          level: 'error',
          time: new Date().toISOString(),
          request_id: c.var.requestId,
          path: c.req.path,
          error: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : String(err),
        }),
      );
    }
    return errorResponse(c, apiError);
  });
  app.notFound((c) => errorResponse(c, new ApiError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}.`)));

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerAuth', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: 'A Supabase Auth access token (supabase.auth.getSession()).',
  });
  return app;
}

export type HoutaiApp = ReturnType<typeof createApp>;
