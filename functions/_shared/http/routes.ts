// Route definitions for app routes (/{app}/...): a signed-in user, rate limits, the standard error
// responses and the bearer security requirement, added once here instead of in every route.
import { createRoute, type RouteConfig } from '@hono/zod-openapi';
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

/** Sign-in routes: no token needed, limited per IP like Auth's own sign-in endpoints. */
export function signInRoute<const R extends Omit<RouteConfig, 'middleware' | 'security'>>(route: R) {
  return createRoute({
    ...route,
    security: [],
    middleware: [rateLimitAs('auth')] as const,
    responses: { ...errorResponses(400, 404, 413, 429, 500, 502, 503), ...route.responses },
  });
}
