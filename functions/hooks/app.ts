// Provider webhooks and Auth hooks live at /hooks/... inside the `hooks` function. Callers authenticate with
// their own signatures, so config.toml sets verify_jwt = false for this function, and every request is first
// limited per client address: a caller without a valid signature can still make us check it.
import { type AppDeps, createApp } from '../_shared/http/create-app.ts';
import { depsFromEnv, lazyFetch } from '../_shared/http/deps.ts';
import { rateLimitAs } from '../_shared/http/middleware/rate-limit.ts';
import { registerFunctionHealth } from '../_shared/http/function-health.ts';
import { lazy } from '../_shared/lazy.ts';
import { createSmsSender } from '../_shared/providers/sms.ts';
import { registerSendSmsHook } from '../_accounts/routes/send-sms-hook.ts';
import { registerRevenueCatHook } from '../_commerce/routes/revenuecat-hook.ts';
import { registerAppleHook } from '../_commerce/routes/apple-hook.ts';
import { createAppStore } from '../_shared/providers/app-store.ts';
import { registerGoogleHook } from '../_commerce/routes/google-hook.ts';
import { createGooglePlay, createPushVerifier } from '../_shared/providers/google-play.ts';

export function createHooksApp(deps: AppDeps) {
  const app = createApp('/hooks', deps);
  app.use('*', rateLimitAs('hooks'));
  registerFunctionHealth(app, 'hooks');
  registerSendSmsHook(app, lazy(() => createSmsSender(deps.config.sms.aliyun)));
  registerRevenueCatHook(app);
  registerAppleHook(app, lazy(() => createAppStore(deps.config.apple)));
  const verifyPush = lazy(() => createPushVerifier(deps.config.google.pubsub));
  registerGoogleHook(app, {
    play: lazy(() => createGooglePlay(deps.config.google)),
    verifyPush: (auth) => verifyPush()(auth),
  });
  return app;
}

export const fetchHandler = lazyFetch(() => createHooksApp(depsFromEnv()));
