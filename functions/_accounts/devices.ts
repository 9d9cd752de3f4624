// An app installation and its push token (public.devices): the registration's schemas and the one call that makes
// it, shared by /{app}/devices and the app routes that name it their own way (Quit Journey's notifications/register).
import { z } from '@hono/zod-openapi';
import type { AppId } from '../_shared/apps.ts';
import type { Tables } from '../_shared/database.types.ts';
import type { Db } from '../_shared/db.ts';
import type { Claims } from '../_shared/jwt.ts';
import { InstallationId, Locale, Timezone } from '../_shared/validation.ts';

const PLATFORMS = ['ios', 'android', 'harmony', 'wechat', 'web'] as const;
const PUSH_VENDORS = ['apns', 'fcm', 'hms', 'xiaomi', 'oppo', 'vivo', 'honor', 'jpush', 'getui', 'wechat'] as const;

export const Device = z
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

export const DeviceRegistration = z
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

export type DeviceRow = Tables<'devices'>;

/** Registers (or refreshes) the caller's installation of an app: idempotent per installation_id. */
export async function registerDevice(
  db: Db,
  user: Claims,
  appId: AppId,
  d: z.infer<typeof DeviceRegistration>,
): Promise<{ device: DeviceRow; created: boolean }> {
  const device = await db.asUser(user, async (tx) => {
    const [row] = await tx<DeviceRow[]>`
      select * from public.register_device(
        ${appId}, ${d.installation_id}, ${d.platform}, ${d.push_vendor ?? null}, ${d.push_token ?? null},
        ${d.locale ?? null}, ${d.timezone ?? null}, ${d.app_version ?? null}, ${d.os_version ?? null}, ${
      d.model ?? null
    })`;
    return row;
  });
  return { device, created: device.created_at === device.updated_at };
}
