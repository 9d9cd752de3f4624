// One JSON log line and the Prometheus observations per request.
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import type { AppEnv } from '../context.ts';
import { httpDuration, httpRequests } from '../metrics.ts';

export const requestLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = performance.now();
  await next();
  const seconds = (performance.now() - started) / 1000;
  // The route pattern, not the path: ids in paths would explode the metric's label set.
  const route = matchedRoutes(c).filter((r) => r.method !== 'ALL').at(-1)?.path ?? 'unmatched';
  const labels = { method: c.req.method, route, status: String(c.res.status) };
  httpRequests.inc(labels);
  httpDuration.observe(labels, seconds);
  if (c.var.config.logRequests) {
    console.log(
      JSON.stringify({
        level: c.res.status >= 500 ? 'error' : 'info',
        time: new Date().toISOString(),
        request_id: c.var.requestId,
        method: c.req.method,
        route,
        path: c.req.path,
        status: c.res.status,
        duration_ms: Math.round(seconds * 100_000) / 100,
        app: c.var.appId ?? null,
        user: c.var.claims?.sub ?? null,
      }),
    );
  }
};
