// A diary as the API takes and shows it (docs/apps/diary.md): what an app sends to write one and what every route
// that returns one answers. The database keeps the rules (one live diary per user and date, the vocabularies of mood
// and weather, at most 9 images); these schemas say the same to clients and the OpenAPI document.
import { z } from '@hono/zod-openapi';
import { LocalDate, StoragePath } from '../_shared/validation.ts';

/** diary.diaries' vocabularies (its CHECK constraints). */
export const MOODS = ['happy', 'excited', 'proud', 'calm', 'tired', 'sad', 'angry', 'worried'] as const;
export const WEATHERS = ['sunny', 'cloudy', 'overcast', 'rainy', 'snowy', 'windy', 'foggy', 'stormy'] as const;

export const MAX_IMAGES = 9;
/** A diary's text, in characters (the table's diaries_content_check). */
export const MAX_CONTENT = 5000;

const Images = z.array(StoragePath).max(MAX_IMAGES).openapi({
  description: "Paths of the caller's own uploads (POST /diary/files/upload-url, purpose diary_image), at most 9",
});
const Tags = z.array(z.string().trim().min(1).max(20)).max(10);

const DiaryFields = {
  content: z.string().max(MAX_CONTENT).openapi({ example: '今天去公园玩，看到了很多花。' }),
  mood: z.enum(MOODS).nullable().optional(),
  weather: z.enum(WEATHERS).nullable().optional(),
  images: Images.optional(),
  tags: Tags.optional(),
  is_draft: z.boolean().optional().openapi({ description: 'A draft counts toward no total, streak or reward' }),
};

export const DiaryCreate = z
  .object({
    id: z.uuid().optional().openapi({
      description: 'A client-generated id: sending the same create again returns the diary instead of a copy',
    }),
    date: LocalDate,
    ...DiaryFields,
  })
  .strict()
  .openapi('DiaryCreate');

export const DiaryUpdate = z
  .object({
    date: LocalDate.optional(),
    ...DiaryFields,
    content: DiaryFields.content.optional(),
    ai_image_path: StoragePath.nullable().optional().openapi({
      description:
        'Attach (or, with null, detach) the picture of one of your finished POST /diary/ai/generate-image tasks',
    }),
  })
  .strict()
  .refine((b) => Object.values(b).some((v) => v !== undefined), 'send at least one field to change')
  .openapi('DiaryUpdate', { description: 'The fields sent replace the stored ones; the others keep their values' });

export const Diary = z
  .object({
    id: z.uuid(),
    date: z.string().openapi({ description: 'The local date it belongs to (YYYY-MM-DD)' }),
    content: z.string(),
    mood: z.string().nullable(),
    weather: z.string().nullable(),
    images: z.array(z.string()),
    tags: z.array(z.string()),
    is_draft: z.boolean(),
    ai_comment: z.string().nullable().openapi({ description: 'From POST /diary/ai/comment-diary, once done' }),
    ai_image_path: z.string().nullable().openapi({ description: 'An AI image attached to it (bucket results)' }),
    created_at: z.string(),
    updated_at: z.string(),
    version: z.string(),
  })
  .openapi('Diary');
export type Diary = z.infer<typeof Diary>;

export type DiaryRow = {
  id: string;
  entry_date: string;
  content: string;
  mood: string | null;
  weather: string | null;
  images: string[] | null;
  tags: string[] | null;
  is_draft: boolean;
  ai_comment: string | null;
  ai_image_path: string | null;
  created_at: string;
  updated_at: string;
  version: string | number;
};

export function toDiary(r: DiaryRow): Diary {
  return {
    id: r.id,
    date: r.entry_date,
    content: r.content,
    mood: r.mood,
    weather: r.weather,
    images: r.images ?? [],
    tags: r.tags ?? [],
    is_draft: r.is_draft,
    ai_comment: r.ai_comment,
    ai_image_path: r.ai_image_path,
    created_at: r.created_at,
    updated_at: r.updated_at,
    version: String(r.version),
  };
}

/**
 * A create or update body as the columns of diary.diaries a client writes: the fields sent, `date` as `entry_date`
 * (the AI picture is attached apart, by diary.attach_ai_image).
 */
export function diaryColumns(body: Record<string, unknown>): Record<string, unknown> {
  const { date, id: _id, ai_image_path: _image, ...rest } = body;
  const columns = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return date === undefined ? columns : { ...columns, entry_date: date };
}
