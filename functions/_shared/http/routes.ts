// Route definitions for app routes (/{app}/...): a signed-in user, rate limits, the standard error
// responses and the bearer security requirement, added once here instead of in every route.
import { createRoute, type RouteConfig } from '@hono/zod-openapi';
import { requireAal2 } from './middleware/aal.ts';
import { requireUser } from './middleware/auth.ts';
import { rateLimit, rateLimitAs } from './middleware/rate-limit.ts';
import { APP_ROUTE_ERRORS, bearerSecurity, errorResponses } from './openapi.ts';

export function userRoute<const R extends Omit<RouteConfig, 'middleware' | 'security'>>(route: R) {
  return createRoute({
    ...route,
    security: bearerSecurity,
    middleware: [requireUser, rateLimit] as const,
    responses: { ...errorResponses(...APP_ROUTE_ERRORS), ...route.responses },
  });
}

/**
 * A sensitive operation's route (signing other devices out; later account deletion and data export): a user route that
 * also answers 403 AAL2_REQUIRED to an aal1 session of a user who enrolled MFA (middleware/aal.ts).
 */
export function aal2Route<const R extends Omit<RouteConfig, 'middleware' | 'security'>>(route: R) {
  return createRoute({
    ...route,
    security: bearerSecurity,
    middleware: [requireUser, rateLimit, requireAal2] as const,
    responses: { ...errorResponses(...APP_ROUTE_ERRORS, 'AAL2_REQUIRED'), ...route.responses },
  });
}

/** Sign-in routes: no token needed, limited per IP like Auth's own sign-in endpoints. */
export function signInRoute<const R extends Omit<RouteConfig, 'middleware' | 'security'>>(route: R) {
  return createRoute({
    ...route,
    security: [],
    middleware: [rateLimitAs('auth')] as const,
    responses: { ...errorResponses(400, 404, 413, 429, 500, 502, 503), ...route.responses },
  });
}
