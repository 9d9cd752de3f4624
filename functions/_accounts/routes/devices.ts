// /{app}/devices: the caller's installations of an app, with their push tokens.
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { AppParam, jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { aal2Route, userRoute } from '../../_shared/http/routes.ts';
import { ApiError } from '../../_shared/errors.ts';
import type { Tables } from '../../_shared/database.types.ts';
import { InstallationId, Locale, Timezone } from '../../_shared/validation.ts';

const PLATFORMS = ['ios', 'android', 'harmony', 'wechat', 'web'] as const;
const PUSH_VENDORS = ['apns', 'fcm', 'hms', 'xiaomi', 'oppo', 'vivo', 'honor', 'jpush', 'getui', 'wechat'] as const;

const Device = z
  .object({
    id: z.uuid(),
    app_id: z.string(),
    installation_id: z.string(),
    platform: z.enum(PLATFORMS),
    push_vendor: z.enum(PUSH_VENDORS).nullable(),
    push_token: z.string().nullable(),
    locale: z.string().nullable(),
    timezone: z.string().nullable(),
    app_version: z.string().nullable(),
    os_version: z.string().nullable(),
    model: z.string().nullable(),
    last_seen_at: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
  })
  .openapi('Device');

const DeviceRegistration = z
  .object({
    installation_id: InstallationId.openapi({
      description: 'Stable public id the app generates once per installation. ' +
        'Never the device_id of device sign-in, which is a secret.',
    }),
    platform: z.enum(PLATFORMS),
    push_vendor: z.enum(PUSH_VENDORS).optional(),
    push_token: z.string().min(1).max(4096).optional(),
    locale: Locale.optional(),
    timezone: Timezone.optional(),
    app_version: z.string().max(32).optional(),
    os_version: z.string().max(64).optional(),
    model: z.string().max(128).optional(),
  })
  .strict()
  .refine((d) => (d.push_vendor === undefined) === (d.push_token === undefined), {
    message: 'push_vendor and push_token go together',
    path: ['push_token'],
  })
  .openapi('DeviceRegistration');

const DeviceParams = AppParam.extend({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

const registerDevice = userRoute({
  method: 'post',
  path: '/{app}/devices',
  tags: ['devices'],
  summary: 'Register this installation (or refresh it): platform, push token, locale, versions',
  description:
    'Idempotent per installation_id. A push token registered by another account on the same phone moves to the caller.',
  request: { params: AppParam, body: jsonBody(DeviceRegistration) },
  responses: {
    201: jsonContent(Device, 'Registered for the first time'),
    200: jsonContent(Device, 'An existing registration, refreshed'),
  },
});

const listDevices = userRoute({
  method: 'get',
  path: '/{app}/devices',
  tags: ['devices'],
  summary: "The caller's registered installations of this app",
  request: { params: AppParam },
  responses: { 200: jsonContent(z.object({ items: z.array(Device) }), 'Devices, most recently seen first') },
});

const deleteDevice = aal2Route({
  method: 'delete',
  path: '/{app}/devices/{id}',
  tags: ['devices'],
  summary: 'Forget an installation (on sign-out): it gets no more pushes',
  description: 'A user with MFA needs an aal2 session (403 AAL2_REQUIRED: mfa.challenge + mfa.verify, then retry); ' +
    'the same rule holds in RLS for clients deleting from public.devices directly.',
  request: { params: DeviceParams },
  responses: { 204: { description: 'Removed' } },
});

type DeviceRow = Tables<'devices'>;

export function registerDeviceRoutes(app: HoutaiApp) {
  app.openapi(registerDevice, async (c) => {
    const { app: appId } = c.req.valid('param');
    const d = c.req.valid('json');
    const device = await c.var.db.asUser(currentUser(c), async (tx) => {
      const [row] = await tx<DeviceRow[]>`
        select * from public.register_device(
          ${appId}, ${d.installation_id}, ${d.platform}, ${d.push_vendor ?? null}, ${d.push_token ?? null},
          ${d.locale ?? null}, ${d.timezone ?? null}, ${d.app_version ?? null}, ${d.os_version ?? null}, ${
        d.model ?? null
      })`;
      return row;
    });
    const created = device.created_at === device.updated_at;
    return c.json(device, created ? 201 : 200);
  });

  app.openapi(listDevices, async (c) => {
    const { app: appId } = c.req.valid('param');
    const items = await c.var.db.asUser(
      currentUser(c),
      (tx) => tx<DeviceRow[]>`select * from public.devices where app_id = ${appId} order by last_seen_at desc`,
    );
    return c.json({ items: [...items] }, 200);
  });

  app.openapi(deleteDevice, async (c) => {
    const { app: appId, id } = c.req.valid('param');
    const deleted = await c.var.db.asUser(
      currentUser(c),
      (tx) => tx`delete from public.devices where id = ${id} and app_id = ${appId} returning id`,
    );
    if (deleted.length === 0) throw new ApiError('NOT_FOUND', 'No such device.');
    return c.body(null, 204);
  });
}
