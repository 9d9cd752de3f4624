// The API's own sign-ins (device id, WeChat) called in-process, with a SIGN_IN_SECRET of the test's own and a fresh
// client address per call: Auth allows 30 password sign-ins per address in 5 minutes, and through the gateway every
// call of the suite would come from the same one. The accounts are real ones, in the stack's Auth and database.
import { randomBytes } from 'node:crypto';
import { inProcessApi } from './in-process.ts';
import { freshIp } from './auth.ts';
import { stackEnv } from './stack.ts';

export interface SignInResponse {
  status: number;
  // deno-lint-ignore no-explicit-any -- as ApiResponse (http.ts): the body is what the test reads it as
  body: any;
}

export function signInApi(secret = randomBytes(32).toString('base64url'), env: Record<string, string> = {}) {
  const { fakeWechatUrl, wechatPrograms } = stackEnv();
  const api = inProcessApi({
    SIGN_IN_SECRET: secret,
    WECHAT_API_BASE: fakeWechatUrl,
    WECHAT_MINI_PROGRAMS: JSON.stringify(wechatPrograms),
    ...env,
  });
  const post = async (path: string, json: unknown, headers: Record<string, string> = {}): Promise<SignInResponse> => {
    const res = await api.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': freshIp(), ...headers },
      body: JSON.stringify(json),
    });
    return { status: res.status, body: await res.json() };
  };
  return {
    secret,
    /** POST /pickitchen/auth/device */
    device: (json: Record<string, unknown>, headers?: Record<string, string>) =>
      post('/pickitchen/auth/device', { platform: 'ios', ...json }, headers),
    /** POST /{app}/auth/wechat */
    wechat: (app: string, code: string, headers?: Record<string, string>) =>
      post(`/${app}/auth/wechat`, { code }, headers),
  };
}
