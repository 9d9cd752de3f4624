// The job worker lives at /worker/... inside the `worker` function (service-role callers only: the gateway
// checks the JWT, see config.toml). Its queue and handlers arrive with the job-queue issue.
import { createApp, type AppDeps } from '../_shared/http/create-app.ts';
import { depsFromEnv, lazyFetch } from '../_shared/http/deps.ts';
import { registerFunctionHealth } from '../_shared/http/function-health.ts';

export function createWorkerApp(deps: AppDeps) {
  const app = createApp('/worker', deps);
  registerFunctionHealth(app, 'worker');
  return app;
}

export const fetchHandler = lazyFetch(() => createWorkerApp(depsFromEnv()));
