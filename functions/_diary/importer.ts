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
import type { Tx } from '../_shared/db.ts';
import { MAX_CONTENT, MAX_IMAGES, MOODS, WEATHERS } from './diaries.ts';
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

/**
 * A word of a vocabulary, or null: the local app stored '' for "not chosen", and a word the cloud does not know (an
 * older or newer app's) is dropped rather than the whole diary, and reported.
 */
function known(field: string, value: string | undefined, words: readonly string[], adjusted: string[]) {
  if (!value) return null;
  if (words.includes(value)) return value;
  adjusted.push(`${field}: "${value}" is not one of ${words.join(', ')}; kept as not chosen`);
  return null;
}

/**
 * The text, cut to the diary's MAX_CONTENT characters (code points, as the table counts them) and reported: the rest
 * of a diary beats none of it, and the report tells the app which diary to keep its full copy of.
 */
function withinContent(content: string, adjusted: string[]): string {
  const chars = Array.from(content);
  if (chars.length <= MAX_CONTENT) return content;
  adjusted.push(`content: the first ${MAX_CONTENT} of ${chars.length} characters kept`);
  return chars.slice(0, MAX_CONTENT).join('');
}

const wxDiaries = importer('DiaryImportWxDiary', WxDiary, async (d, { idFor }) => {
  const adjusted: string[] = [];
  return {
    table: 'diary.diaries',
    row: {
      id: await idFor(`diary:${d.id}`),
      entry_date: d.date,
      content: withinContent(d.content, adjusted),
      mood: known('mood', d.mood, MOODS, adjusted),
      weather: known('weather', d.weather, WEATHERS, adjusted),
      images: d.images ?? [],
      tags: d.tags ?? [],
      is_draft: d.isDraft ?? false,
      ...(d.updatedAt ? { updated_at: d.updatedAt } : {}),
    },
    adjusted,
  };
}, async (sp, app, value) => {
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

/**
 * A custom task rewarding more than points_rules.custom_task_max_points (the local app had no cap) is kept at the cap,
 * and reported, instead of being refused with its completion.
 */
async function withinTaskRules(sp: Tx, value: ImportRow): Promise<ImportRow> {
  if (value.table !== 'diary.custom_tasks') return value;
  const [{ cap }] = await sp<[{ cap: number }]>`
    select coalesce((diary.setting('points_rules', '{custom_task_max_points}'))::int, 0) as cap`;
  const points = value.row.points_reward as number;
  if (points <= cap) return value;
  return {
    ...value,
    row: { ...value.row, points_reward: cap },
    adjusted: [...(value.adjusted ?? []), `points_reward: ${points} is over the cap; kept as ${cap}`],
  };
}

const wxUserTasks = importer(
  'DiaryImportWxUserTask',
  WxUserTask,
  taskRows,
  async (sp, app, value) =>
    value.table === NOTHING
      ? { status: 'skipped', id: value.row.id, reason: 'a system task not done: nothing to keep' }
      : importRowAsCaller(sp, app, await withinTaskRules(sp, value)),
);

/** Why an opening balance granted nothing: the true reason, so the app tells the user the right thing. */
function openingBalanceSkipped(points: number, importedBefore: boolean): string {
  if (importedBefore) return 'the opening balance was imported before';
  if (points === 0) return 'a balance of 0: nothing to grant';
  return 'opening balances are not granted now (points_rules.opening_balance_max is 0)';
}

/** The local `points` number, sent as one record `{ "points": 120 }`. */
const WxPoints = z.object({ points: z.number().int().min(0).max(1_000_000) }).strict();

const wxPoints = importer(
  'DiaryImportWxPoints',
  WxPoints,
  async (p, { idFor }) => ({ table: 'public.wallet_entries', row: { id: await idFor('points'), points: p.points } }),
  async (sp, _app, { row }) => {
    const [{ r }] = await sp<[{ r: { granted: boolean; capped: boolean; points: number; entry: unknown } }]>`
      select diary.import_own_opening_balance(${row.points as number}) as r`;
    if (r.granted) {
      return r.capped
        ? { status: 'imported', id: row.id, adjusted: [`points: ${row.points} is over the cap; ${r.points} granted`] }
        : { status: 'imported', id: row.id };
    }
    return { status: 'skipped', id: row.id, reason: openingBalanceSkipped(row.points as number, r.entry !== null) };
  },
);

export const DIARY_IMPORTERS: Record<string, SyncImporter> = {
  wx_diaries: wxDiaries,
  wx_user_tasks: wxUserTasks,
  wx_points: wxPoints,
};
