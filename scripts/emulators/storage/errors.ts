// Supabase Storage's error responses: HTTP 400 for everything whose nominal status is not 500, the nominal
// status in the body's statusCode (supabase/storage's error renderer).
import type { Context } from 'hono';

export class StorageError extends Error {
  constructor(
    readonly statusCode: number,
    readonly error: string,
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

export const E = {
  noSuchKey: () => new StorageError(404, 'not_found', 'Object not found', 'NoSuchKey'),
  noSuchBucket: () => new StorageError(404, 'Bucket not found', 'Bucket not found', 'NoSuchBucket'),
  rls: () => new StorageError(403, 'Unauthorized', 'new row violates row-level security policy', 'AccessDenied'),
  duplicate: () => new StorageError(409, 'Duplicate', 'The resource already exists', 'KeyAlreadyExists'),
  tooLarge: (entity = 'object') =>
    new StorageError(413, 'Payload too large', `The ${entity} exceeded the maximum allowed size`, 'EntityTooLarge'),
  mime: (mime: string) =>
    new StorageError(415, 'invalid_mime_type', `mime type ${mime} is not supported`, 'InvalidMimeType'),
  badJwt: (message: string) => new StorageError(403, 'Unauthorized', message, 'AccessDenied'),
  invalidJwt: (message: string) => new StorageError(400, 'InvalidJWT', message, 'InvalidJWT'),
  invalidSignature: (message = 'Invalid signature') =>
    new StorageError(400, 'InvalidSignature', message, 'InvalidSignature'),
  invalidKey: (key: string, reason?: string) =>
    new StorageError(400, 'InvalidKey', `Invalid key: ${key}${reason ? ` ${reason}` : ''}`, 'InvalidKey'),
  invalidBucketName: () => new StorageError(400, 'Invalid Input', 'Bucket name invalid', 'InvalidBucketName'),
  invalidParameter: (name: string) =>
    new StorageError(400, 'InvalidParameter', `Invalid Parameter ${name}`, 'InvalidParameter'),
  invalidRequest: (message: string) => new StorageError(400, 'Error', message, 'InvalidRequest'),
};

export function errorResponse(c: Context, err: StorageError): Response {
  const status = err.statusCode === 500 ? 500 : 400;
  return c.json({ statusCode: String(err.statusCode), error: err.error, message: err.message, code: err.code }, status);
}

/**
 * A path with a malformed %-escape never reaches Storage's routes: its router answers with Fastify's own 400 body
 * (number statusCode, these keys in this order), naming the URL as the server saw it.
 */
export function badUrlResponse(url: string): Response {
  const body = JSON.stringify({
    error: 'Bad Request',
    code: 'FST_ERR_BAD_URL',
    message: `'${url}' is not a valid url component`,
    statusCode: 400,
  });
  return new Response(body, { status: 400, headers: { 'content-type': 'application/json' } });
}
