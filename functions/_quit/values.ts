// Value rules of Quit Journey's API, checked before the database checks them again (its CHECKs are the guard; these
// give the client a field-level message). The vocabularies are the schema's (supabase/schemas/96_quit.sql).
import { z } from '@hono/zod-openapi';
import { uuidV5 } from '../_shared/digest.ts';

/**
 * A price in the profile's currency: a decimal with at most two places, as a string or a number. Never rounded: a
 * third decimal is refused, since numeric(10,2) would silently round it.
 */
export const Money = z
  .union([z.string(), z.number().nonnegative()])
  .transform((v) => (typeof v === 'number' ? String(v) : v))
  .pipe(z.string().regex(/^\d{1,8}(\.\d{1,2})?$/, 'a non-negative amount with at most 2 decimal places'))
  .openapi({ type: 'string', example: '1.50', description: 'Decimal, at most 2 places (a JSON number is accepted)' });

/** Moods a check-in may carry (the app translates them). */
export const MOODS = ['great', 'good', 'okay', 'low', 'anxious', 'craving'] as const;

/**
 * Trigger tags: the shape here; how many may lie outside the documented vocabulary (quit.trigger_tag_vocabulary())
 * is the database's rule (quit.valid_trigger_tags), refused as 400 naming the constraint.
 */
export const TriggerTags = z
  .array(z.string().min(1).max(32).refine((t) => t === t.trim(), 'no surrounding spaces'))
  .max(10)
  .refine((tags) => new Set(tags).size === tags.length, 'no duplicate tags')
  .openapi({ example: ['stress', 'coffee'], description: 'At most 10; at most 3 outside the documented vocabulary' });

/** A local time of day, HH:MM (24-hour), in the profile's timezone. */
export const LocalTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM, 24-hour').openapi({ example: '09:00' });

// quit.row_id's namespace: the id of a once-per-user row (profile, settings) is uuid v5 of "<user>/<key>", which the
// app can compute offline too.
const QUIT_ROW_NAMESPACE = '5d1c2f7e-3b8a-4c61-9e0d-7a4f2b6c8e13';
export const quitRowId = (userId: string, key: string) => uuidV5(QUIT_ROW_NAMESPACE, `${userId}/${key}`);
