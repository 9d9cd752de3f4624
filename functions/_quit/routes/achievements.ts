// /quit/achievements: unlocked ones and progress on the rest, the ones still to earn, statistics, and
// POST achievements/unlock, which re-evaluates the caller's rules on the server (a client's claim is never trusted).
// Unlocks also happen on every relevant write (a trigger of the schema); reading evaluates too, since time passing
// (smoke-free days) unlocks achievements without any write.
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { Achievement, evaluateAchievements } from '../achievements.ts';

const tags = ['quit'];
const List = z.object({ items: z.array(Achievement) });

const Stats = z
  .object({
    total: z.number().int(),
    unlocked: z.number().int(),
    points_earned: z.number().int(),
    points_available: z.number().int(),
    by_category: z.record(z.string(), z.object({ total: z.number().int(), unlocked: z.number().int() })),
  })
  .openapi('QuitAchievementStats');

const routes = {
  list: userRoute({
    method: 'get',
    path: '/quit/achievements',
    tags,
    summary: 'Every active achievement: unlocked ones with when, progress on the rest',
    responses: { 200: jsonContent(List.openapi('QuitAchievements'), 'Catalog order') },
  }),
  available: userRoute({
    method: 'get',
    path: '/quit/achievements/available',
    tags,
    summary: 'The achievements still to earn, with progress',
    responses: { 200: jsonContent(List, 'Catalog order') },
  }),
  stats: userRoute({
    method: 'get',
    path: '/quit/achievements/stats',
    tags,
    summary: 'How many are unlocked (overall and per category) and the points earned',
    responses: { 200: jsonContent(Stats, 'Statistics') },
  }),
  unlock: userRoute({
    method: 'post',
    path: '/quit/achievements/unlock',
    tags,
    summary: "Re-evaluate the caller's rules on the server and unlock what is met (each once, its points once)",
    responses: {
      200: jsonContent(
        z.object({ unlocked: z.array(z.string()).openapi({ description: 'Keys unlocked by this call' }) })
          .extend(List.shape)
          .openapi('QuitUnlockResult'),
        'What this call unlocked, and every achievement',
      ),
    },
  }),
};

const sum = (items: Achievement[]) => items.reduce((n, a) => n + a.points, 0);

export function registerQuitAchievementRoutes(app: HoutaiApp) {
  app.openapi(routes.list, async (c) => {
    const { achievements } = await c.var.db.asUser(currentUser(c), evaluateAchievements);
    return c.json({ items: achievements }, 200);
  });

  app.openapi(routes.available, async (c) => {
    const { achievements } = await c.var.db.asUser(currentUser(c), evaluateAchievements);
    return c.json({ items: achievements.filter((a) => !a.unlocked) }, 200);
  });

  app.openapi(routes.stats, async (c) => {
    const { achievements } = await c.var.db.asUser(currentUser(c), evaluateAchievements);
    const unlocked = achievements.filter((a) => a.unlocked);
    const by_category: z.infer<typeof Stats>['by_category'] = {};
    for (const a of achievements) {
      const cat = (by_category[a.category] ??= { total: 0, unlocked: 0 });
      cat.total += 1;
      if (a.unlocked) cat.unlocked += 1;
    }
    return c.json({
      total: achievements.length,
      unlocked: unlocked.length,
      points_earned: sum(unlocked),
      points_available: sum(achievements),
      by_category,
    }, 200);
  });

  app.openapi(routes.unlock, async (c) => {
    const { newlyUnlocked, achievements } = await c.var.db.asUser(currentUser(c), evaluateAchievements);
    return c.json({ unlocked: newlyUnlocked, items: achievements }, 200);
  });
}
