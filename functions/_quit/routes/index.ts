// Quit Journey (docs/apps/quit.md): every route under /api/v1/quit/, by the seed's names (§3.3).
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { registerQuitAchievementRoutes } from './achievements.ts';
import { registerQuitCheckinRoutes } from './checkins.ts';
import { registerQuitExportRoutes } from './export.ts';
import { registerQuitNotificationRoutes } from './notifications.ts';
import { registerQuitProfileRoutes } from './profile.ts';
import { registerQuitProgressRoutes } from './progress.ts';
import { registerQuitSettingsRoutes } from './settings.ts';
import { registerQuitSmokingRecordRoutes } from './smoking-records.ts';
import { registerQuitSyncRoutes } from './sync.ts';

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
