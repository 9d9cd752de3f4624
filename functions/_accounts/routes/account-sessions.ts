// GET /account/sessions, DELETE /account/sessions/{id}: where the caller is signed in, and signing one out.
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { jsonContent } from '../../_shared/http/openapi.ts';
import { aal2Route, userRoute } from '../../_shared/http/routes.ts';
import { ApiError } from '../../_shared/errors.ts';

const SessionInfo = z
  .object({
    id: z.uuid(),
    created_at: z.string(),
    updated_at: z.string().nullable(),
    refreshed_at: z.string().nullable(),
    user_agent: z.string().nullable(),
    ip: z.string().nullable(),
    aal: z.string().nullable(),
    current: z.boolean().openapi({ description: 'The session of the token making this request' }),
  })
  .openapi('AccountSession');

const listRoute = userRoute({
  method: 'get',
  path: '/account/sessions',
  tags: ['account'],
  summary: "The caller's sessions (devices signed in), most recently active first",
  responses: { 200: jsonContent(z.object({ items: z.array(SessionInfo) }), 'Sessions') },
});

const revokeRoute = aal2Route({
  method: 'delete',
  path: '/account/sessions/{id}',
  tags: ['account'],
  summary: 'Sign one session out: its refresh token stops working at once, its access token at expiry',
  description: 'A user with MFA needs an aal2 session (403 AAL2_REQUIRED: mfa.challenge + mfa.verify, then retry). ' +
    'To sign this session out, use supabase.auth.signOut(), which never needs aal2.',
  request: { params: z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) }) },
  responses: { 204: { description: 'Signed out' } },
});

export function registerAccountSessionRoutes(app: HoutaiApp) {
  app.openapi(listRoute, async (c) => {
    const items = await c.var.db.asUser(currentUser(c), (tx) => tx`select * from public.list_my_sessions()`);
    return c.json({ items: items.map((s) => ({ ...s })) as z.infer<typeof SessionInfo>[] }, 200);
  });

  app.openapi(revokeRoute, async (c) => {
    const { id } = c.req.valid('param');
    const [row] = await c.var.db.asUser(
      currentUser(c),
      (tx) => tx<[{ revoked: boolean }]>`select public.revoke_my_session(${id}) as revoked`,
    );
    if (!row.revoked) throw new ApiError('NOT_FOUND', 'You have no session with this id.');
    return c.body(null, 204);
  });
}
