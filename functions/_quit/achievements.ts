// The caller's achievements as the server decides them: quit.evaluate_achievements() unlocks every rule met (once,
// points once through the ledger) and reports progress on the rest; the catalog supplies names, icons and points.
import { z } from '@hono/zod-openapi';
import type { Tx } from '../_shared/db.ts';

/** A rule's measure: a count, or a decimal string for money. */
const Measure = z.union([z.number(), z.string()]).nullable();

const I18n = z.object({ 'zh-CN': z.string(), en: z.string() }).catchall(z.string()).openapi('QuitI18nText');

export const Achievement = z
  .object({
    key: z.string(),
    name: I18n,
    description: I18n,
    icon: z.string(),
    category: z.string(),
    points: z.number().int(),
    unlocked: z.boolean(),
    unlocked_at: z.string().nullable(),
    progress: z.number().openapi({ description: '0..1' }),
    current: Measure.openapi({ description: "The user's value of the rule's measure (null for combined rules)" }),
    target: Measure.openapi({ description: "The rule's threshold (null for combined rules)" }),
  })
  .openapi('QuitAchievement');
export type Achievement = z.infer<typeof Achievement>;

type Evaluated = {
  unlocked: string[];
  achievements: Pick<Achievement, 'key' | 'unlocked' | 'unlocked_at' | 'progress' | 'current' | 'target'>[];
};
type CatalogRow = Pick<Achievement, 'key' | 'name' | 'description' | 'icon' | 'category' | 'points'>;

/** Evaluates the caller's rules (unlocking what is met) and returns every active achievement, in catalog order. */
export async function evaluateAchievements(tx: Tx): Promise<{ newlyUnlocked: string[]; achievements: Achievement[] }> {
  const [{ r }] = await tx<[{ r: Evaluated }]>`select quit.evaluate_achievements((select auth.uid())) as r`;
  const catalog = await tx<CatalogRow[]>`
    select key, name, description, icon, category, points from quit.achievements where active order by sort, key`;
  const standing = new Map(r.achievements.map((a) => [a.key, a]));
  return {
    newlyUnlocked: r.unlocked,
    achievements: catalog.map((a) => {
      const s = standing.get(a.key);
      return {
        ...a,
        unlocked: s?.unlocked ?? false,
        unlocked_at: s?.unlocked_at ?? null,
        progress: Number(s?.progress ?? 0),
        current: s?.current ?? null,
        target: s?.target ?? null,
      };
    }),
  };
}
