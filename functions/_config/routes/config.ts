// GET /{app}/config: the app's remote config (public.app_config, edited in Studio) in one document, with an ETag;
// a client that sends it back in If-None-Match gets 304 until an admin changes something.
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { AppParam, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { sha256Hex } from '../../_shared/digest.ts';
import { JsonValue } from '../../_shared/validation.ts';

const ConfigDocument = z.record(z.string(), JsonValue).openapi('AppConfig', {
  description: 'One entry per config key (PicKitchen: styles, banners, points_rules, weekly_reward)',
});

const route = userRoute({
  method: 'get',
  path: '/{app}/config',
  tags: ['config'],
  summary: "All of the app's remote config at once (cache it; revalidate with If-None-Match)",
  request: { params: AppParam, headers: z.object({ 'if-none-match': z.string().max(200).optional() }) },
  responses: {
    200: { ...jsonContent(ConfigDocument, 'The config'), headers: z.object({ ETag: z.string() }) },
    304: { description: 'Unchanged since the ETag the client sent' },
  },
});

/** Whether an If-None-Match header names this entity tag (weak comparison, as RFC 9110 asks for GET). */
export function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => bare(t) === bare(etag));
}

export function registerConfigRoutes(app: HoutaiApp) {
  app.openapi(route, async (c) => {
    const { app: appId } = c.req.valid('param');
    const [row] = await c.var.db.asUser(currentUser(c), (tx) =>
      tx<[{ doc: Record<string, unknown> }]>`
      select coalesce(jsonb_object_agg(key, value order by key), '{}'::jsonb)
             || public.app_config_derived(${appId}) as doc
        from public.app_config where app_id = ${appId}`);
    const body = JSON.stringify(row.doc);
    // The tag is the content's hash: any change in Studio shows on the next request, with no cache to flush.
    const etag = `"${(await sha256Hex(body)).slice(0, 32)}"`;
    c.header('ETag', etag);
    c.header('Cache-Control', 'no-cache');
    if (etagMatches(c.req.valid('header')['if-none-match'], etag)) return c.body(null, 304);
    return c.body(body, 200, { 'content-type': 'application/json; charset=UTF-8' }) as never;
  });
}
