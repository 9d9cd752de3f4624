// Shared OpenAPI pieces: the error envelope schema and helpers that keep route definitions short.
import { z } from '@hono/zod-openapi';
import { ERROR_STATUS, type ErrorCode } from '../errors.ts';
import { APP_IDS } from '../apps.ts';

export const ErrorEnvelope = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'VALIDATION_FAILED' }),
      message: z.string(),
      details: z.array(z.record(z.string(), z.unknown())),
    }),
    request_id: z.string(),
  })
  .openapi('ErrorEnvelope');

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid request (validation failed or malformed JSON)',
  401: 'Missing, invalid or expired access token',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Conflict',
  413: 'Request body too large',
  422: 'Business rule violated',
  429: 'Too many requests (see Retry-After)',
  500: 'Internal error',
  503: 'Service unavailable',
};

/** Response entries for the error statuses a route can produce (given by code or status). */
export function errorResponses(...codes: Array<ErrorCode | number>) {
  const statuses = new Set(codes.map((c) => (typeof c === 'number' ? c : ERROR_STATUS[c])));
  return Object.fromEntries(
    [...statuses].map((s) => [s, { description: STATUS_TEXT[s] ?? 'Error', content: { 'application/json': { schema: ErrorEnvelope } } }]),
  );
}

/** The statuses every authenticated app route can answer with. */
export const APP_ROUTE_ERRORS = [400, 401, 404, 413, 429, 500] as const;

export function jsonContent<T extends z.ZodType>(schema: T, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { required: true, content: { 'application/json': { schema } } };
}

export const AppParam = z.object({
  app: z.enum(APP_IDS).openapi({ param: { name: 'app', in: 'path' }, example: 'coach', description: 'The app the request is for' }),
});

export const bearerSecurity = [{ bearerAuth: [] }];
