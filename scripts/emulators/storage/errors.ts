// Supabase Storage's error responses: HTTP 400 for everything whose nominal status is not 500, the nominal
// status in the body's statusCode (shared/STORAGE-API.md §2).
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
  tooLarge: () => new StorageError(413, 'Payload too large', 'The object exceeded the maximum allowed size', 'EntityTooLarge'),
  mime: (mime: string) => new StorageError(415, 'invalid_mime_type', `mime type ${mime} is not supported`, 'InvalidMimeType'),
  badJwt: (message: string) => new StorageError(403, 'Unauthorized', message, 'AccessDenied'),
  invalidJwt: (message: string) => new StorageError(400, 'InvalidJWT', message, 'InvalidJWT'),
  invalidSignature: (message = 'Invalid signature') => new StorageError(400, 'InvalidSignature', message, 'InvalidSignature'),
  invalidKey: (key: string) => new StorageError(400, 'InvalidKey', `Invalid key: ${key}`, 'InvalidKey'),
  invalidParameter: (name: string) => new StorageError(400, 'InvalidParameter', `Invalid Parameter ${name}`, 'InvalidParameter'),
  invalidRequest: (message: string) => new StorageError(400, 'Error', message, 'InvalidRequest'),
};

export function errorResponse(c: Context, err: StorageError): Response {
  const status = err.statusCode === 500 ? 500 : 400;
  return c.json({ statusCode: String(err.statusCode), error: err.error, message: err.message, code: err.code }, status);
}
