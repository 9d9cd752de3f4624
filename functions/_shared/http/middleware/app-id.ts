// Resolves the app from /{app}/... paths; an app we do not serve is a 404, before anything else runs.
import type { MiddlewareHandler } from 'hono';
import { isAppId } from '../../apps.ts';
import { ApiError } from '../../errors.ts';
import type { AppEnv } from '../context.ts';

export const resolveApp: MiddlewareHandler<AppEnv> = async (c, next) => {
  const app = c.req.param('app');
  // "/{base}/{x}" alone names no app route: leave it to the not-found handler.
  if (app === undefined || !c.req.path.includes(`/${app}/`)) return next();
  if (!isAppId(app)) throw new ApiError('UNKNOWN_APP', `There is no app "${app}".`);
  c.set('appId', app);
  await next();
};
