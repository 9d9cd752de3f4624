// The five record dimensions of Daily Coach (docs/apps/coach.md): their tables and the fields an app may write, with
// ranges. The API's create/update bodies and the OpenAPI spec come from these schemas.
import { z } from '@hono/zod-openapi';
import type { UploadPurposeName } from '../_files/upload-purposes.ts';

const text = (max: number) => z.string().trim().min(1).max(max);
const note = (max: number) => z.string().max(max).nullable();

export const DIMENSIONS = {
  workout: {
    table: 'coach.workouts',
    fields: z.object({
      workout_type: text(40).openapi({ example: 'running' }),
      duration_minutes: z.number().int().min(1).max(1440),
      intensity: z.enum(['low', 'medium', 'high']).default('medium'),
      calories: z.number().int().min(0).max(10000).nullable().optional(),
      note: note(1000).optional(),
    }),
  },
  meal: {
    table: 'coach.meals',
    fields: z.object({
      meal_type: z.enum(['breakfast', 'lunch', 'dinner', 'snack']),
      description: text(500),
      calories: z.number().int().min(0).max(10000).nullable().optional(),
      photo_path: z.string().max(300).nullable().optional().openapi({
        description: 'From POST /coach/files/upload-url with purpose meal_photo, once uploaded',
      }),
    }),
    /** Fields naming an uploaded file, and its purpose: the API checks the file as stored before keeping the path. */
    uploads: { photo_path: 'meal_photo' } satisfies Record<string, UploadPurposeName>,
  },
  sleep: {
    table: 'coach.sleeps',
    fields: z.object({
      bed_time: z.iso.datetime({ offset: true }),
      wake_time: z.iso.datetime({ offset: true }),
      quality: z.number().int().min(1).max(5).nullable().optional(),
      note: note(1000).optional(),
    }),
  },
  work: {
    table: 'coach.work_notes',
    fields: z.object({
      focus_minutes: z.number().int().min(0).max(1440),
      tasks_done: z.number().int().min(0).max(1000).default(0),
      tasks: z.array(z.string().trim().min(1).max(200)).max(50).default([]),
      note: note(2000).optional(),
    }),
  },
  reading: {
    table: 'coach.readings',
    fields: z.object({
      book: text(200),
      minutes: z.number().int().min(0).max(1440),
      pages: z.number().int().min(0).max(5000).nullable().optional(),
      notes: note(4000).optional(),
    }),
    /** Fields the server writes (never sent by the app), shown with the record. */
    server: z.object({
      ai_summary: z.string().nullable().openapi({ description: 'From POST /coach/ai/reading-summary, once done' }),
    }),
  },
} as const;

export type Dimension = keyof typeof DIMENSIONS;
export const DIMENSION_NAMES = Object.keys(DIMENSIONS) as Dimension[];
export const isDimension = (d: string): d is Dimension => Object.hasOwn(DIMENSIONS, d);

/** The fields of a dimension that name an uploaded file, with the file's purpose. */
export function uploadFields(d: Dimension): Record<string, UploadPurposeName> {
  const dimension: { table: string; uploads?: Record<string, UploadPurposeName> } = DIMENSIONS[d];
  return dimension.uploads ?? {};
}

/** The fields of a dimension the server writes and the API shows with its records (a reading's AI summary). */
export function serverFields(d: Dimension): z.ZodRawShape {
  const dimension: { table: string; server?: z.ZodObject } = DIMENSIONS[d];
  return dimension.server?.shape ?? {};
}

/** Which table each dimension's rows live in, for SQL that spans them. */
export const tableOf = (d: Dimension) => DIMENSIONS[d].table;

/** Shared with the other apps that date by the user's local day. */
export { LocalDate } from '../_shared/validation.ts';
