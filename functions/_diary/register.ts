// Growth Diary's routes under /api/v1/diary/ (docs/apps/diary.md): the seed's names where they fit REST, one module
// per resource, thin over the SQL functions of schema `diary` and the shared wallet, files and AI tasks.
import type { HoutaiApp } from '../_shared/http/create-app.ts';
import type { Moderator } from '../_shared/providers/moderation.ts';
import { registerDiaryAiRoutes } from './routes/ai.ts';
import { registerDiaryProfileRoutes } from './routes/profile.ts';
import { registerDiaryRoutes } from './routes/diaries.ts';
import { registerDiaryPointRoutes } from './routes/points.ts';
import { registerDiaryTaskRoutes } from './routes/tasks.ts';
import { registerDiaryLotteryRoutes } from './routes/lottery.ts';

export { diaryUserInfo } from './profile.ts';

export function registerDiaryApp(app: HoutaiApp, deps: { moderator: () => Moderator }) {
  registerDiaryProfileRoutes(app);
  registerDiaryRoutes(app);
  registerDiaryTaskRoutes(app);
  registerDiaryPointRoutes(app);
  registerDiaryLotteryRoutes(app);
  registerDiaryAiRoutes(app, deps);
}
