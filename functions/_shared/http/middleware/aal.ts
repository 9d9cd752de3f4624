// Sensitive operations: a user who enrolled an MFA factor must have stepped up to aal2 in this session, else 403
// AAL2_REQUIRED (the app then runs supabase.auth.mfa.challenge and verify, and retries). The rule and its message are
// the database's (internal.require_aal2), which the same operation's SQL also enforces for clients reaching it without
// the API; an aal2 token satisfies it, so only aal1 tokens cost the query.
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../context.ts';
import { currentUser } from './auth.ts';

export const requireAal2: MiddlewareHandler<AppEnv> = async (c, next) => {
  const user = currentUser(c);
  if (user.aal !== 'aal2') await c.var.db.asUser(user, (tx) => [tx`select internal.require_aal2()`]);
  await next();
};
