// One JSON log line and the Prometheus observations per request. The log line is the request metric that survives
// hosting: Prometheus counters live in one isolate and reset with it, while each console line reaches Supabase's
// log explorer (source `function_logs`, this JSON as `event_message`), where it is queried as a metric (see the
// README). It carries what a metric needs and nothing a log must not hold: the route pattern, never the path (ids,
// dates), and neither headers nor bodies (tokens, personal data); the user is the account id only.
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
        // What the README's log-explorer queries select request lines by.
        msg: 'request',
        request_id: c.var.requestId,
        method: c.req.method,
        route,
        status: c.res.status,
        duration_ms: Math.round(seconds * 100_000) / 100,
        app: c.var.appId ?? null,
        error: c.var.errorCode ?? null,
        user: c.var.claims?.sub ?? null,
      }),
    );
  }
};
