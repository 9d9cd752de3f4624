// Shared OpenAPI pieces: the error envelope schema and helpers that keep route definitions short.
import { z } from '@hono/zod-openapi';
import { ERROR_STATUS, type ErrorCode } from '../errors.ts';
import { APP_IDS } from '../apps.ts';

/** One thing wrong with a request (errors.ts ErrorDetail): the field at fault, if any, and why. */
export const ErrorDetail = z
  .object({
    field: z.string().optional().openapi({
      description: "The field at fault: a dotted path into the body, or a parameter's name",
    }),
    code: z.string().optional().openapi({
      description: 'A machine-readable reason, e.g. a zod issue code or a Postgres error code',
    }),
    message: z.string(),
    in: z.string().optional().openapi({ description: 'Where the field is: json (the body), query, param, header' }),
    retry_after: z.number().int().optional().openapi({
      description: 'Seconds until the request may be sent again (rate limits)',
    }),
    id: z.string().optional().openapi({
      description: 'The record the error concerns (e.g. the diary of a taken date)',
    }),
  })
  .openapi('ErrorDetail');

/** An error: its code (errors.ts ERROR_STATUS), a message for people, the details. */
export const ApiErrorBody = z
  .object({
    code: z.enum(Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]]).openapi({ example: 'VALIDATION_FAILED' }),
    message: z.string(),
    details: z.array(ErrorDetail),
  })
  .openapi('ApiError');

export const ErrorEnvelope = z.object({ error: ApiErrorBody, request_id: z.string() }).openapi('ErrorEnvelope');

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

/** One error response: the envelope, described by what the error means for this route. */
export const errorContent = (description: string) => jsonContent(ErrorEnvelope, description);

/** Response entries for the error statuses a route can produce (given by code or status). */
export function errorResponses(...codes: Array<ErrorCode | number>) {
  const statuses = new Set(codes.map((c) => (typeof c === 'number' ? c : ERROR_STATUS[c])));
  return Object.fromEntries(
    [...statuses].map((
      s,
    ) => [s, { description: STATUS_TEXT[s] ?? 'Error', content: { 'application/json': { schema: ErrorEnvelope } } }]),
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
  app: z.enum(APP_IDS).openapi({
    param: { name: 'app', in: 'path' },
    example: 'coach',
    description: 'The app the request is for',
  }),
});

/**
 * An item of a batch the route checks one at a time (a bad item is reported in its own result, not as a 400 for the
 * whole batch): the request's validation lets any value through, and the document shows the schemas, by component
 * name, one of which each item must match. The route registers those components.
 */
export function checkedOneByOne(...components: string[]) {
  const refs = components.map((name) => ({ $ref: `#/components/schemas/${name}` }));
  return z.unknown().openapi((refs.length === 1 ? { allOf: refs } : { anyOf: refs }) as never);
}

export const bearerSecurity = [{ bearerAuth: [] }];
