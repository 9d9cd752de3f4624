// Storage's refusals, asserted exactly. Supabase Storage answers every refusal with HTTP 400 and names it in the
// body (nominal status, error, message, code); a test that accepts "some error" would also pass on a 500 or on the
// wrong refusal, so every storage refusal in tests/ is asserted through these, by name.
import { expect } from 'vitest';

export interface StorageRefusal {
  statusCode: string;
  error: string;
  message: string;
  code: string;
}

const named = (statusCode: string, error: string, message: string, code: string): StorageRefusal => ({
  statusCode,
  error,
  message,
  code,
});

/** The refusals our tests meet, as Storage words them (its error table; see the Storage emulator's errors.ts). */
export const StorageRefusals = {
  /** Missing, or hidden from the caller by the storage policies. */
  objectNotFound: named('404', 'not_found', 'Object not found', 'NoSuchKey'),
  /** Missing, or a private bucket read without a token. */
  bucketNotFound: named('404', 'Bucket not found', 'Bucket not found', 'NoSuchBucket'),
  /** A write the storage policies refuse (42501). */
  rowLevelSecurity: named('403', 'Unauthorized', 'new row violates row-level security policy', 'AccessDenied'),
  duplicate: named('409', 'Duplicate', 'The resource already exists', 'KeyAlreadyExists'),
  tooLarge: (entity = 'object') =>
    named('413', 'Payload too large', `The ${entity} exceeded the maximum allowed size`, 'EntityTooLarge'),
  mimeType: (mime: string) =>
    named('415', 'invalid_mime_type', `mime type ${mime} is not supported`, 'InvalidMimeType'),
  /** A signed URL's token that does not verify; `message` is jose's (a string or an asymmetric matcher). */
  invalidJwt: (message: string) => named('400', 'InvalidJWT', message, 'InvalidJWT'),
  invalidSignature: (message = 'Invalid signature') => named('400', 'InvalidSignature', message, 'InvalidSignature'),
  invalidKey: (message: string) => named('400', 'InvalidKey', message, 'InvalidKey'),
  invalidBucketName: named('400', 'Invalid Input', 'Bucket name invalid', 'InvalidBucketName'),
  invalidRequest: (message: string) => named('400', 'Error', message, 'InvalidRequest'),
};

/**
 * A supabase-js storage call refused exactly so. supabase-js keeps the HTTP status, the body's statusCode and
 * message (not its error and code), so those are what is compared; the HTTP status must be Storage's 400.
 */
export function expectStorageRefusal(result: { error: unknown }, refusal: StorageRefusal, label?: string) {
  const { name, status, statusCode, message } = (result.error ?? {}) as Record<string, unknown>;
  expect({ name, status, statusCode, message }, label).toEqual({
    name: 'StorageApiError',
    status: 400,
    statusCode: refusal.statusCode,
    message: refusal.message,
  });
}

/** A raw Storage response refused exactly so: HTTP 400 and the whole body. */
export async function expectStorageResponse(res: Response, refusal: StorageRefusal, label?: string) {
  expect({ status: res.status, body: await res.json() }, label).toEqual({ status: 400, body: refusal });
}
