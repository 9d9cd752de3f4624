// Local emulator of the Supabase Auth (GoTrue) REST API subset our apps and functions use, served at
// /auth/v1 by the local gateway. FOR DEVELOPMENT AND TESTS ONLY: production uses Supabase Auth itself.
// Behaviour follows GoTrue's handlers (supabase/auth) and supabase-js' auth client (docs/decisions.md) and writes the
// same auth.* tables, so what our SQL and functions see is what they will see on Supabase.
// The routes live in modules by concern (public-routes, sign-in-routes, verify-routes, user-routes, admin-routes, mfa,
// admin-links, oauth, identities) over one shared context (context.ts); this file only composes them.
import { Hono } from 'hono';
import type postgres from 'postgres';
import { adminLinks } from './admin-links.ts';
import { adminRoutes, userIdParam } from './admin-routes.ts';
import { type AuthEmulatorDeps, emulatorContext } from './context.ts';
import { AuthError, errorResponse } from './errors.ts';
import { idTokenGrant } from './id-token.ts';
import { identityRoutes } from './identities.ts';
import { mfaRoutes } from './mfa.ts';
import { oauthRedirects } from './oauth.ts';
import { oidcDiscovery } from './oidc-discovery.ts';
import { publicRoutes } from './public-routes.ts';
import { signInRoutes } from './sign-in-routes.ts';
import { userRoutes } from './user-routes.ts';
import type { UserRow } from './users.ts';
import { verifyRoutes } from './verify-routes.ts';

export type { AuthEmulatorDeps } from './context.ts';

export function createAuthEmulator(deps: AuthEmulatorDeps) {
  const ctx = emulatorContext(deps);
  const { sql, settings, tokens, mail, client, readBody, limitAddress, redirectTo, bearerUser, requireAdmin } = ctx;
  const { hashPassword } = ctx;
  const app = new Hono().basePath('/auth/v1');

  app.onError((err, c) => {
    if (err instanceof AuthError) return errorResponse(c, err);
    console.error('[auth emulator]', err);
    return errorResponse(
      c,
      new AuthError(500, 'unexpected_failure', 'Unexpected failure, please check server logs for more information'),
    );
  });
  app.notFound((c) =>
    errorResponse(c, new AuthError(404, 'not_found', 'Not found: this path is not part of the local Auth emulator'))
  );

  const sendConfirmation = (tx: postgres.TransactionSql, user: UserRow) =>
    mail.send(tx, user, 'signup', { redirectTo: settings.siteUrl });
  const discovery = oidcDiscovery(settings.identities.discoveryUrls);
  const idToken = idTokenGrant({
    sql,
    discovery,
    settings,
    tokens,
    bearerUser,
    client,
    sendConfirmation,
  });
  const oauth = oauthRedirects({
    sql,
    settings,
    tokens,
    discovery,
    issuer: deps.issuer,
    redirectTo,
    client,
    sendConfirmation,
  });

  app.route('/', publicRoutes(ctx));
  app.route('/', signInRoutes(ctx, idToken));
  app.route('/', verifyRoutes(ctx));
  app.route('/', userRoutes(ctx));

  const admin = adminRoutes(ctx);
  const mfa = mfaRoutes({ sql, settings, tokens, readBody, client, bearerUser, limitAddress, userIdParam });
  admin.route('/', mfa.admin);
  const links = adminLinks({ sql, settings, mail, readBody, redirectTo, hashPassword, requireAdmin });
  admin.post('/generate_link', links.generateLink);
  app.post('/invite', links.invite);
  app.route('/admin', admin);
  app.route('/', oauth.routes);
  app.route('/', identityRoutes({ sql, settings, bearerUser, authorizeUrl: oauth.authorizeUrl }));
  app.route('/', mfa.user);
  return app;
}
