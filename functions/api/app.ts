// The app-facing REST API: /api/v1/... inside the `api` function.
import { type AppDeps, createApp } from '../_shared/http/create-app.ts';
import { depsFromEnv, lazyFetch } from '../_shared/http/deps.ts';
import { resolveApp } from '../_shared/http/middleware/app-id.ts';
import { createGoTrue } from '../_accounts/gotrue.ts';
import { lazy } from '../_shared/lazy.ts';
import { createWechatAuth } from '../_shared/providers/wechat.ts';
import { registerAccountSessionRoutes } from '../_accounts/routes/account-sessions.ts';
import { registerDeviceRoutes } from '../_accounts/routes/devices.ts';
import { registerFileRoutes } from '../_files/routes/files.ts';
import { registerWalletRoutes } from '../_wallet/routes/wallet.ts';
import { registerCommerceRoutes } from '../_commerce/routes/commerce.ts';
import { registerPurchaseRoutes } from '../_commerce/routes/purchases.ts';
import { registerAiTaskRoutes } from '../_ai/routes/ai-tasks.ts';
import { registerSyncRoutes } from '../_sync/routes/sync.ts';
import { registerSyncImportRoutes } from '../_sync/routes/sync-import.ts';
import { registerConfigRoutes } from '../_config/routes/config.ts';
import { registerPickitchenAccountRoutes } from '../_pickitchen/routes/account.ts';
import { registerPickitchenEmojiRoutes } from '../_pickitchen/routes/emoji.ts';
import { createEmojiVideoProvider } from '../_pickitchen/emoji-video-provider.ts';
import { registerCoachRecordRoutes } from '../_coach/routes/records.ts';
import { registerCoachDayRoutes } from '../_coach/routes/days.ts';
import { registerCoachStatsRoutes } from '../_coach/routes/stats.ts';
import { registerCoachSettingsRoutes } from '../_coach/routes/settings.ts';
import { registerQuitRoutes } from '../_quit/register-routes.ts';
import { createModerator } from '../_shared/providers/moderation.ts';
import { createAppStore } from '../_shared/providers/app-store.ts';
import { createObjectStore } from '../_files/storage.ts';
import { registerSignInRoutes } from '../_accounts/routes/sign-in.ts';
import { registerMeRoutes } from '../_accounts/routes/me.ts';
import { type ApiInfo, registerSystemRoutes } from '../_shared/http/system-routes.ts';
import { diaryUserInfo, registerDiaryApp } from '../_diary/register.ts';

export const API_BASE_PATH = '/api/v1';

export const API_INFO: ApiInfo = {
  title: 'Houtai API',
  description: 'The REST API behind Daily Coach, Companion, Quit Journey, Growth Diary and PicKitchen.',
};

export function createApiApp(deps: AppDeps) {
  const app = createApp(API_BASE_PATH, deps);
  registerSystemRoutes(app, API_INFO);
  // Account-wide routes, registered before the per-app ones so "account" is never taken for an app id.
  registerAccountSessionRoutes(app);
  // Everything below is per app: /api/v1/{app}/...
  app.use('/:app/*', resolveApp);
  registerSignInRoutes(app, {
    gotrue: lazy(() => createGoTrue(deps.config)),
    wechat: lazy(() => createWechatAuth(deps.config.wechat)),
    userInfo: { diary: diaryUserInfo },
  });
  registerMeRoutes(app);
  registerDeviceRoutes(app);
  const store = lazy(() => createObjectStore(deps.config));
  registerFileRoutes(app, store);
  registerWalletRoutes(app);
  registerCommerceRoutes(app);
  registerPurchaseRoutes(app, lazy(() => createAppStore(deps.config.apple)));
  registerAiTaskRoutes(app);
  registerSyncRoutes(app);
  registerSyncImportRoutes(app);
  registerConfigRoutes(app);
  // PicKitchen's own endpoint names (docs/apps/pickitchen.md), on the shared pieces.
  registerPickitchenAccountRoutes(app);
  registerPickitchenEmojiRoutes(app, {
    store,
    provider: lazy(() => createEmojiVideoProvider(deps.config.emoji)),
    deadlineMinutes: () => deps.config.emoji.taskDeadlineMinutes,
  });
  // Daily Coach (docs/apps/coach.md).
  const moderator = lazy(() => createModerator(deps.config.ai));
  registerCoachRecordRoutes(app);
  registerCoachDayRoutes(app, { moderator });
  registerCoachStatsRoutes(app, { moderator });
  registerCoachSettingsRoutes(app);
  // Growth Diary (docs/apps/diary.md).
  registerDiaryApp(app, { moderator });
  // Quit Journey (docs/apps/quit.md).
  registerQuitRoutes(app);
  return app;
}

/** The function as deployed: configured from the environment on the first request. */
export const fetchHandler = lazyFetch(() => createApiApp(depsFromEnv()));
