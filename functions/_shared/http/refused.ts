// A delivery that fails its hook's authentication (shared secret, JWS chain, OIDC token, Standard Webhooks
// signature) is answered and logged, never stored: anyone can send one, so a row per refusal would be a table
// any caller can grow. The log line keeps what we can trust of the sender, the address our proxy saw.
import type { Context } from 'hono';
import type { ApiError } from '../errors.ts';
import type { AppEnv } from './context.ts';
import { clientAddress } from './client-address.ts';
import { logEvent } from '../log.ts';

/** Logs the refusal and returns the error to throw. */
export function refused(c: Context<AppEnv>, hook: string, reason: string, answer: ApiError): ApiError {
  logEvent('warn', 'hook delivery refused', {
    request_id: c.var.requestId,
    hook,
    reason,
    client: clientAddress(c) ?? null,
  });
  return answer;
}
