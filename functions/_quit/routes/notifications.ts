// /quit/notifications: the caller's notification list, device registration for pushes (the platform's
// public.register_device, as POST /quit/devices) and a test notification. Delivery to the devices comes with the
// notifications issue: until then `test` records the row the list shows and answers 202.
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { decodeCursor, page, PageQuery } from '../../_shared/pagination.ts';
import { JsonObject } from '../../_shared/validation.ts';
import { Device, DeviceRegistration, registerDevice } from '../../_accounts/devices.ts';

const tags = ['quit'];

const Notification = z
  .object({
    id: z.uuid(),
    kind: z.string(),
    title: z.string(),
    body: z.string().nullable(),
    data: JsonObject,
    created_at: z.string(),
    read_at: z.string().nullable(),
  })
  .openapi('QuitNotification');

const routes = {
  list: userRoute({
    method: 'get',
    path: '/quit/notifications',
    tags,
    summary: "The caller's notifications, newest first",
    request: { query: PageQuery.extend({ unread: z.enum(['true', 'false']).optional() }) },
    responses: {
      200: jsonContent(z.object({ items: z.array(Notification), next_cursor: z.string().nullable() }), 'One page'),
    },
  }),
  register: userRoute({
    method: 'post',
    path: '/quit/notifications/register',
    tags,
    summary: 'Register this installation and its push token (the same as POST /quit/devices)',
    request: { body: jsonBody(DeviceRegistration) },
    responses: {
      201: jsonContent(Device, 'Registered for the first time'),
      200: jsonContent(Device, 'An existing registration, refreshed'),
    },
  }),
  test: userRoute({
    method: 'post',
    path: '/quit/notifications/test',
    tags,
    summary: 'Record a test notification (202; push delivery comes with the notifications issue)',
    request: { body: jsonBody(z.object({ title: z.string().min(1).max(200).optional() }).strict()), required: false },
    responses: {
      202: jsonContent(
        z.object({ notification: Notification, delivery: z.string() }).openapi('QuitTestNotification'),
        'Recorded; not delivered yet',
      ),
    },
  }),
};

const ListCursor = z.object({ at: z.string(), id: z.uuid() });
type NotificationRow = z.infer<typeof Notification> & { at: string };
const toNotification = ({ id, kind, title, body, data, created_at, read_at }: NotificationRow) => ({
  id,
  kind,
  title,
  body,
  data,
  created_at,
  read_at,
});

export function registerQuitNotificationRoutes(app: HoutaiApp) {
  app.openapi(routes.list, async (c) => {
    const { limit, cursor, unread } = c.req.valid('query');
    const after = decodeCursor(cursor, ListCursor);
    const result = await c.var.db.asUser(currentUser(c), async (tx) => {
      const rows = await tx<NotificationRow[]>`
        select *, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at
          from quit.notifications where user_id = (select auth.uid()) and deleted_at is null
           ${unread === 'true' ? tx`and read_at is null` : unread === 'false' ? tx`and read_at is not null` : tx``}
           ${after ? tx`and (created_at, id) < (${after.at}::timestamptz, ${after.id}::uuid)` : tx``}
         order by created_at desc, id desc limit ${limit + 1}`;
      return page(rows, limit, (last) => ({ at: last.at, id: last.id }));
    });
    return c.json({ items: result.items.map(toNotification), next_cursor: result.next_cursor }, 200);
  });

  app.openapi(routes.register, async (c) => {
    const { device, created } = await registerDevice(c.var.db, currentUser(c), 'quit', c.req.valid('json'));
    return c.json(device, created ? 201 : 200);
  });

  app.openapi(routes.test, async (c) => {
    const title = c.req.valid('json')?.title ?? '测试通知 Test notification';
    // Notifications are the server's to write (clients only mark them read): the service role, for this user.
    const [[row]] = await c.var.db.asService((tx) => [
      tx<NotificationRow[]>`
        insert into quit.notifications (user_id, kind, title, body)
        values (${currentUser(c).sub}, 'test', ${title}, 'Quit Journey test notification') returning *`,
    ]);
    return c.json({
      notification: toNotification(row),
      delivery: 'Recorded only: push delivery to devices comes with the notifications issue.',
    }, 202);
  });
}
