// Provider webhooks and Auth hooks (RevenueCat, App Store, Google Play, send-SMS) live at /hooks/...
// inside the `hooks` function; each arrives with the issue that needs it.
import { createApp, type AppDeps } from '../_shared/http/create-app.ts';
import { depsFromEnv, lazyFetch } from '../_shared/http/deps.ts';
import { registerFunctionHealth } from '../_shared/http/function-health.ts';

export function createHooksApp(deps: AppDeps) {
  const app = createApp('/hooks', deps);
  registerFunctionHealth(app, 'hooks');
  return app;
}

export const fetchHandler = lazyFetch(() => createHooksApp(depsFromEnv()));
