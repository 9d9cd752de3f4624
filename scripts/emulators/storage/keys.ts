// What Storage accepts as bucket names and object keys, and how it reads them out of a URL path
// (supabase/storage src/storage/limits.ts and backend/secure-path.ts).
import { E } from './errors.ts';

// Storage's S3-safe character set; the hyphen is last so it stays a literal.
const VALID_KEY = /^[A-Za-z0-9_/!.*'() &$=@;:+,?-]+$/;
const VALID_BUCKET_NAME = /^[A-Za-z0-9_!.*'() &$=@;:+,?-]{1,100}$/;

/** Storage's API check on every key it reads or writes: non-empty, only the safe characters (so no NUL). */
export function checkKey(key: string) {
  if (!VALID_KEY.test(key)) throw E.invalidKey(key);
}

export function checkBucketName(name: string) {
  if (!VALID_BUCKET_NAME.test(name)) throw E.invalidBucketName();
}

/**
 * The file backend's check when a key reaches the disk (the CLI runs Storage with STORAGE_BACKEND=file): `.` and
 * `..` segments pass the API check but are refused here, after the permission trial and before anything is
 * stored, so no such object ever exists.
 */
export function checkStorableKey(bucket: string, key: string) {
  const path = `${bucket}/${key}`;
  if (key.startsWith('/')) throw E.invalidKey(path, 'must be a relative path');
  if (key.split(/[\\/]+/).some((segment) => segment === '.' || segment === '..')) {
    throw E.invalidKey(path, 'contains dot path segment');
  }
}

/** Any string a JSON body names objects with (remove, batch sign, list): a NUL is refused before Postgres sees it. */
export function checkNoNul(value: string) {
  if (value.includes('\0')) throw E.invalidKey(value);
}

/**
 * The path's %-escapes decoded once, or undefined when one is malformed: Storage's router (find-my-way under
 * Fastify) then answers 400 FST_ERR_BAD_URL before any route runs.
 */
export function decodePath(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** "/bucket/some/path" (still %-encoded) → [bucket, "some/path"]; Storage strips leading slashes and collapses "//". */
export function bucketAndKey(rest: string): [string, string] {
  const clean = rest.replace(/^\/+/, '').replace(/\/+/g, '/').replace(/\/$/, '');
  const i = clean.indexOf('/');
  const [bucket, key] = i < 0 ? [clean, ''] : [clean.slice(0, i), clean.slice(i + 1)];
  // Malformed escapes never get here: the app answers them with FST_ERR_BAD_URL first.
  const [bucketName, name] = [decodePath(bucket) ?? bucket, decodePath(key) ?? key];
  checkBucketName(bucketName);
  return [bucketName, name];
}
