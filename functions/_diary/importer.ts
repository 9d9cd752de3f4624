// The mini program's local storage (wx.setStorageSync) as import sources of POST /diary/sync/import
// (docs/apps/diary.md has an example payload): `wx_diaries` (the `diaries` array), `wx_user_tasks` (the `userTasks`
// array) and `wx_points` (the `points` number). Diaries and tasks are keyed by their local ids, so a resumed or
// repeated import finds the rows it made; the point balance becomes one opening entry, at most once per user ever
// (diary.import_opening_balance).
import { z } from '@hono/zod-openapi';
import {
  type ImportContext,
  importer,
  type ImportRow,
  importRowAsCaller,
  type SyncImporter,
} from '../_sync/importer.ts';
import { MAX_IMAGES } from './diaries.ts';
import { LocalDate, StoragePath } from '../_shared/validation.ts';

const LocalId = z.union([z.string().min(1).max(100), z.number().int()]);
const Instant = z.iso.datetime({ offset: true });

/** One entry of the local `diaries` array: the seed's diary fields and its local id. */
const WxDiary = z.object({
  id: LocalId,
  date: LocalDate,
  content: z.string().max(10_000),
  mood: z.string().max(20).optional(),
  weather: z.string().max(20).optional(),
  images: z.array(StoragePath).max(MAX_IMAGES).optional().openapi({
    description: 'Storage paths of images uploaded first (purpose diary_image); local wxfile:// paths cannot be kept',
  }),
  tags: z.array(z.string().trim().min(1).max(20)).max(10).optional(),
  isDraft: z.boolean().optional(),
  createdAt: Instant.optional(),
  updatedAt: Instant.optional(),
});

const wxDiaries = importer('DiaryImportWxDiary', WxDiary, async (d, { idFor }) => ({
  table: 'diary.diaries',
  row: {
    id: await idFor(`diary:${d.id}`),
    entry_date: d.date,
    content: d.content,
    // The local app stored '' for "not chosen".
    mood: d.mood || null,
    weather: d.weather || null,
    images: d.images ?? [],
    tags: d.tags ?? [],
    is_draft: d.isDraft ?? false,
    ...(d.updatedAt ? { updated_at: d.updatedAt } : {}),
  },
}), async (sp, app, value) => {
  // An imported diary is never on time (diary.stamp_on_time), so it earns nothing, even one dated today: what the
  // phone earned for it is in the opening balance. Transaction-local: it ends with the import's transaction.
  await sp`select pg_catalog.set_config('diary.importing', 'on', true)`;
  return importRowAsCaller(sp, app, value);
});

const CATEGORIES = ['daily', 'study', 'reading', 'sport', 'chores', 'habit', 'kindness', 'creative'];

/** One entry of the local `userTasks` array: the seed's task fields and its local id. */
const WxUserTask = z.object({
  id: LocalId,
  title: z.string().trim().min(1).max(100),
  description: z.string().max(500).optional(),
  category: z.string().max(50).optional(),
  pointsReward: z.number().int().min(0).optional(),
  isSystem: z.boolean().optional(),
  systemKey: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/).optional().openapi({
    description: "A system task's catalog key (default: the local id, when it is one)",
  }),
  isCompleted: z.boolean().optional(),
  completedAt: z.union([Instant, z.number().int().min(0)]).optional().openapi({
    description: 'ISO 8601, or milliseconds since 1970 as Date.now() gives them',
  }),
  taskDate: LocalDate,
});
type WxUserTask = z.infer<typeof WxUserTask>;

const completedAt = (t: WxUserTask) =>
  t.completedAt === undefined ? {} : { completed_at: new Date(t.completedAt).toISOString() };

/**
 * A system task becomes its completion (the catalog shows the task itself every day); a custom task becomes the task
 * and, when done, its completion. Completions come without points: what they earned is in the opening balance.
 */
async function taskRows(t: WxUserTask, { idFor }: ImportContext): Promise<ImportRow> {
  if (t.isSystem) {
    const key = t.systemKey ?? String(t.id);
    const done = t.isCompleted
      ? {
        table: 'diary.task_completions',
        row: { id: await idFor(`done:system:${key}:${t.taskDate}`), system_task_key: key, task_date: t.taskDate },
      }
      : { table: NOTHING, row: { id: await idFor(`open:system:${key}:${t.taskDate}`) } };
    return { ...done, row: { ...done.row, ...(t.isCompleted ? completedAt(t) : {}) } };
  }
  const id = await idFor(`task:${t.id}`);
  return {
    table: 'diary.custom_tasks',
    row: {
      id,
      task_date: t.taskDate,
      title: t.title,
      description: t.description ?? null,
      category: CATEGORIES.includes(t.category ?? '') ? t.category : 'daily',
      points_reward: t.pointsReward ?? 0,
    },
    then: t.isCompleted
      ? [{
        table: 'diary.task_completions',
        row: { id: await idFor(`done:custom:${t.id}`), custom_task_id: id, task_date: t.taskDate, ...completedAt(t) },
      }]
      : [],
  };
}

/** A local system task not done has nothing to keep. */
const NOTHING = 'nothing';

const wxUserTasks = importer(
  'DiaryImportWxUserTask',
  WxUserTask,
  taskRows,
  (sp, app, value) =>
    value.table === NOTHING
      ? Promise.resolve({ status: 'skipped', id: value.row.id, reason: 'a system task not done: nothing to keep' })
      : importRowAsCaller(sp, app, value),
);

/** The local `points` number, sent as one record `{ "points": 120 }`. */
const WxPoints = z.object({ points: z.number().int().min(0).max(1_000_000) }).strict();

const wxPoints = importer(
  'DiaryImportWxPoints',
  WxPoints,
  async (p, { idFor }) => ({ table: 'public.wallet_entries', row: { id: await idFor('points'), points: p.points } }),
  async (sp, _app, { row }) => {
    const [{ r }] = await sp<[{ r: { granted: boolean; entry: { id: number } | null } }]>`
      select diary.import_own_opening_balance(${row.points as number}) as r`;
    return r.granted
      ? { status: 'imported', id: row.id }
      : { status: 'skipped', id: row.id, reason: 'the opening balance was imported before' };
  },
);

export const DIARY_IMPORTERS: Record<string, SyncImporter> = {
  wx_diaries: wxDiaries,
  wx_user_tasks: wxUserTasks,
  wx_points: wxPoints,
};
