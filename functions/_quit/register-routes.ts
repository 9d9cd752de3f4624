// Quit Journey (docs/apps/quit.md): every route under /api/v1/quit/, by the names of the app's API design.
import type { HoutaiApp } from '../_shared/http/create-app.ts';
import { registerQuitAchievementRoutes } from './routes/achievements.ts';
import { registerQuitCheckinRoutes } from './routes/checkins.ts';
import { registerQuitExportRoutes } from './routes/export.ts';
import { registerQuitNotificationRoutes } from './routes/notifications.ts';
import { registerQuitProfileRoutes } from './routes/profile.ts';
import { registerQuitProgressRoutes } from './routes/progress.ts';
import { registerQuitSettingsRoutes } from './routes/settings.ts';
import { registerQuitSmokingRecordRoutes } from './routes/smoking-records.ts';
import { registerQuitSyncRoutes } from './routes/sync.ts';

export function registerQuitRoutes(app: HoutaiApp) {
  registerQuitProfileRoutes(app);
  registerQuitSettingsRoutes(app);
  registerQuitCheckinRoutes(app);
  registerQuitSmokingRecordRoutes(app);
  registerQuitProgressRoutes(app);
  registerQuitAchievementRoutes(app);
  registerQuitSyncRoutes(app);
  registerQuitNotificationRoutes(app);
  registerQuitExportRoutes(app);
}
