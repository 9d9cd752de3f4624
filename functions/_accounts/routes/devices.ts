// /{app}/devices: the caller's installations of an app, with their push tokens.
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { AppParam, jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { aal2Route, userRoute } from '../../_shared/http/routes.ts';
import { ApiError } from '../../_shared/errors.ts';
import { Device, DeviceRegistration, type DeviceRow, registerDevice as registerDeviceFor } from '../devices.ts';

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

export function registerDeviceRoutes(app: HoutaiApp) {
  app.openapi(registerDevice, async (c) => {
    const { app: appId } = c.req.valid('param');
    const { device, created } = await registerDeviceFor(c.var.db, currentUser(c), appId, c.req.valid('json'));
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
