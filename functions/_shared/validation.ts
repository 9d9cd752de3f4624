// Value rules shared by several routes, kept in one place.
import { z } from '@hono/zod-openapi';

/** An IANA zone name the runtime knows (the database checks it again). */
export const Timezone = z
  .string()
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: tz });
      return /^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(tz);
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as Asia/Shanghai')
  .openapi({ example: 'Asia/Shanghai' });

/**
 * The public id an app gives one of its installations (devices' installation_id, sync's device_id): not a secret, so
 * never the device id that signs the installation in.
 */
export const InstallationId = z.string().min(1).max(128);

/** A local date, YYYY-MM-DD, that exists in the calendar. */
export const LocalDate = z.iso.date().openapi({
  example: '2026-11-23',
  description: "A local date in the user's timezone",
});

/** A BCP 47 language tag such as zh-CN or en. */
export const Locale = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as zh-CN')
  .openapi({ example: 'zh-CN' });

/** A path inside a storage bucket: relative, no empty or dot segments. */
export const StoragePath = z
  .string()
  .min(1)
  .max(512)
  .refine(
    (p) => p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..'),
    'must be a relative object path',
  );

/**
 * An object's fields, every one optional and none filled in by a default: for a change, where a field left out keeps
 * its stored value (zod 4 applies a default inside `.partial()`, which would overwrite it).
 */
export function partialWithoutDefaults<S extends z.ZodRawShape>(shape: S) {
  return z.object(
    Object.fromEntries(
      Object.entries(shape).map((
        [k, v],
      ) => [k, (v instanceof z.ZodDefault ? (v.unwrap() as z.ZodType) : (v as z.ZodType)).optional()]),
    ) as unknown as { [K in keyof S]: z.ZodOptional<S[K] extends z.ZodDefault<infer T> ? T : S[K]> },
  );
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Any JSON value: for what the API stores and returns as the client or an admin wrote it (app preferences, remote
 * config documents, a provider's extra fields). Named, so a generated client has one JSON type for all of them.
 */
export const JsonValue: z.ZodType<JsonValue> = z
  .lazy(() =>
    z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(JsonValue), z.record(z.string(), JsonValue)])
  )
  .openapi('JsonValue', { description: 'Any JSON value' });

/** A JSON object whose values are any JSON. */
export const JsonObject = z.record(z.string(), JsonValue);
