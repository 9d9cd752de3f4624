// A 409 that carries the record holding the key (`existing`) beside the standard error envelope, so an app that wrote
// offline adopts that record instead of asking for it again: Quit Journey's check-in of a date, Growth Diary's diary
// of a date.
import type { z } from '@hono/zod-openapi';
import { type ApiError, errorBody } from '../errors.ts';
import { ErrorEnvelope, jsonContent } from './openapi.ts';

/** The OpenAPI response: the error envelope plus `existing`, the record as the route's own schema shows it. */
export function conflictWithExisting<T extends z.ZodType>(existing: T, name: string, description: string) {
  return jsonContent(ErrorEnvelope.extend({ existing }).openapi(name), description);
}

/** The body of that response. */
export function conflictBody<T>(err: ApiError, requestId: string, existing: T) {
  return { ...errorBody(err, requestId), existing };
}
