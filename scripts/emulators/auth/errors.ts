// GoTrue's error responses: the current shape {code, message} when the client sent
// X-Supabase-Api-Version (supabase-js always does, and reads `code` only if the header comes back),
// the legacy shape {code: <status>, error_code, msg} otherwise; x-sb-error-code either way.
import type { Context } from 'hono';

export const API_VERSION_HEADER = 'x-supabase-api-version';

export class AuthError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const validation = (message: string) => new AuthError(400, 'validation_failed', message);

/**
 * GoTrue's OAuth2-style error (apierrors.OAuthError), which the id_token grant answers its token checks with: always
 * 400 `{"error", "error_description"}`, no error code and no x-sb-error-code (supabase-js reads the description).
 */
export class OAuthError extends AuthError {
  constructor(readonly error: string, description: string) {
    super(400, '', description);
  }
}

export function errorResponse(c: Context, err: AuthError): Response {
  const version = c.req.header(API_VERSION_HEADER);
  if (err instanceof OAuthError) {
    const echoed = version ? { [API_VERSION_HEADER]: version } : undefined;
    return c.json({ error: err.error, error_description: err.message }, 400, echoed);
  }
  const headers: Record<string, string> = { 'x-sb-error-code': err.code };
  if (version) {
    headers[API_VERSION_HEADER] = version;
    if (err.code === 'weak_password') delete headers['x-sb-error-code'];
    return c.json({ code: err.code, message: err.message, ...err.extra }, err.status as 400, headers);
  }
  return c.json({ code: err.status, error_code: err.code, msg: err.message, ...err.extra }, err.status as 400, headers);
}
