// The `hive` import source of Quit Journey (POST /quit/sync/import {source: "hive"}): the app's Hive boxes as the
// phone keeps them, one record per box entry: {box, key, value}. Ids derive from the box and the local key, so a
// re-import finds the same rows; the profile's id is the per-user one (quit.row_id(user, 'profile')), so a profile
// already in the cloud is kept (reported skipped). Unlocked achievements are the phone's claim and are never
// imported: the server re-evaluates its rules after the rows land (the schema's triggers) and unlocks what is met.
// docs/apps/quit.md shows the format with an example.
import { z } from '@hono/zod-openapi';
import { JsonObject, LocalDate, Locale, StoragePath, Timezone } from '../_shared/validation.ts';
import { importer } from '../_sync/importer.ts';
import { Money, MOODS, quitRowId, TriggerTags } from './values.ts';

const LocalKey = z.union([z.string().min(1).max(100), z.number().int()]);

/** A Dart DateTime as Hive keeps it: ISO 8601 with an offset or Z (toUtc().toIso8601String()), or epoch ms. */
const Moment = z
  .union([z.iso.datetime({ offset: true }), z.number().int().min(946_684_800_000).max(4_102_444_800_000)])
  .transform((v) => (typeof v === 'number' ? new Date(v).toISOString() : v));

const ProfileBox = z.object({
  box: z.literal('profile'),
  key: LocalKey,
  value: z.object({
    quitDate: Moment,
    quitReason: z.string().max(1000).nullish(),
    cigarettesPerDay: z.number().int().min(1).max(200),
    pricePerCigarette: Money.default('0'),
    currency: z.string().regex(/^[A-Z]{3}$/).default('CNY'),
    timezone: Timezone.optional(),
    locale: Locale.optional(),
    nickname: z.string().min(1).max(100).nullish(),
    avatarPath: StoragePath.nullish(),
  }),
});

const CheckinBox = z.object({
  box: z.literal('checkins'),
  key: LocalKey,
  value: z.object({
    date: LocalDate,
    checkedIn: z.boolean().default(true),
    checkedInAt: Moment.nullish(),
    mood: z.enum(MOODS).nullish(),
    note: z.string().max(1000).nullish(),
  }),
});

const SmokingRecordBox = z.object({
  box: z.literal('smoking_records'),
  key: LocalKey,
  value: z.object({
    smokedAt: Moment,
    count: z.number().int().min(1).max(100),
    triggers: TriggerTags.default([]),
    note: z.string().max(1000).nullish(),
    location: JsonObject.nullish(),
  }),
});

const AchievementBox = z.object({
  box: z.literal('achievements'),
  key: LocalKey,
  value: z.object({ unlockedAt: Moment.nullish() }),
});

const HiveRecord = z.discriminatedUnion('box', [ProfileBox, CheckinBox, SmokingRecordBox, AchievementBox]);

/** Drops the fields the phone did not have, so the table's defaults apply. */
const present = (row: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(row).filter(([, v]) => v !== undefined && v !== null));

export const quitHive = importer('QuitHiveRecord', HiveRecord, async (r, { idFor, userId }) => {
  switch (r.box) {
    case 'profile': {
      const v = r.value;
      return {
        table: 'quit.profiles',
        row: {
          id: await quitRowId(userId, 'profile'),
          ...present({
            quit_at: v.quitDate,
            quit_reason: v.quitReason,
            cigarettes_per_day: v.cigarettesPerDay,
            price_per_cigarette: v.pricePerCigarette,
            currency: v.currency,
            timezone: v.timezone,
            locale: v.locale,
            display_name: v.nickname,
            avatar_path: v.avatarPath,
          }),
        },
      };
    }
    case 'checkins': {
      const v = r.value;
      return {
        table: 'quit.checkins',
        row: {
          id: await idFor(`checkins/${r.key}`),
          ...present({
            checkin_date: v.date,
            is_checked_in: v.checkedIn,
            checked_in_at: v.checkedInAt,
            mood: v.mood,
            note: v.note,
          }),
        },
      };
    }
    case 'smoking_records': {
      const v = r.value;
      return {
        table: 'quit.smoking_records',
        row: {
          id: await idFor(`smoking_records/${r.key}`),
          ...present({
            smoked_at: v.smokedAt,
            cigarettes_smoked: v.count,
            trigger_tags: v.triggers,
            note: v.note,
            location: v.location,
          }),
        },
      };
    }
    case 'achievements':
      return { skipped: 'achievements are decided by the server: it re-evaluates its rules after the import' };
  }
});
