// POST /{app}/auth/device and /{app}/auth/wechat: sign-ins Supabase Auth has no endpoint for. Both answer
// with a real Supabase Auth session (supabase.auth.setSession() takes it as is).
import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppEnv } from '../../_shared/http/context.ts';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { AppParam, errorContent, jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { signInRoute } from '../../_shared/http/routes.ts';
import { ApiError } from '../../_shared/errors.ts';
import { clientAddress } from '../../_shared/http/client-address.ts';
import type { GoTrue } from '../gotrue.ts';
import { DeviceId, deviceIdHash } from '../device-id.ts';
import {
  audit,
  type ExternalSignIn,
  type SignInContext,
  signInExternal,
  type SignInStep,
} from '../external-sign-in.ts';
import type { AppId } from '../../_shared/apps.ts';
import { SignInUserInfo, type UserInfoReader } from '../user-info.ts';
import { type WechatAuth, WechatError } from '../../_shared/providers/wechat.ts';
import { InstallationId, Locale, Timezone } from '../../_shared/validation.ts';

const PLATFORMS = ['ios', 'android', 'harmony', 'wechat', 'web'] as const;

const SessionOut = z
  .object({
    access_token: z.string(),
    token_type: z.literal('bearer'),
    expires_in: z.number().int(),
    expires_at: z.number().int().optional(),
    refresh_token: z.string(),
    user: z.object({ id: z.uuid(), is_new_user: z.boolean(), is_anonymous: z.boolean(), created_at: z.string() }),
    userInfo: SignInUserInfo.optional().openapi({
      description: 'Apps with a profile of their own (diary): nickname, avatar and points, as the app shows them',
    }),
  })
  .openapi('SignInSession', {
    description: 'A Supabase Auth session; pass access_token and refresh_token to supabase.auth.setSession().',
  });

const DeviceSignIn = z
  .object({
    device_id: DeviceId,
    installation_id: InstallationId.optional().openapi({
      description: 'The public id of this installation, as POST /{app}/devices takes it: ' +
        'given, the installation is registered as part of the sign-in.',
    }),
    platform: z.enum(PLATFORMS),
    locale: Locale.optional(),
    timezone: Timezone.optional(),
    app_version: z.string().max(32).optional(),
  })
  .strict()
  .refine((b) => b.installation_id !== b.device_id, {
    message: 'must not be the device_id, which is a secret',
    path: ['installation_id'],
  })
  .openapi('DeviceSignIn');

const WechatSignIn = z
  .object({ code: z.string().min(1).max(128).openapi({ description: 'The code from wx.login()' }) })
  .strict()
  .openapi('WechatSignIn');

const deviceRoute = signInRoute({
  method: 'post',
  path: '/{app}/auth/device',
  tags: ['sign-in'],
  summary: 'Silent sign-in with a device id (PicKitchen): the same device gets the same account',
  description:
    'Creates the account on first use (and registers the installation when installation_id is given); a sign-in that ' +
    'fails leaves no account, session or registration behind. ' +
    'Refused with 409 ACCOUNT_UPGRADED once the account has a verified phone, email or WeChat.',
  request: { params: AppParam, body: jsonBody(DeviceSignIn) },
  responses: { 200: jsonContent(SessionOut, 'Signed in'), 409: errorContent('ACCOUNT_UPGRADED') },
});

const wechatRoute = signInRoute({
  method: 'post',
  path: '/{app}/auth/wechat',
  tags: ['sign-in'],
  summary: 'WeChat mini-program sign-in with the code from wx.login()',
  description:
    'Exchanges the code with WeChat (code2session); the same unionid is the same account in every mini program. ' +
    'Invalid or used codes: 401 WECHAT_CODE_INVALID.',
  request: { params: AppParam, body: jsonBody(WechatSignIn) },
  responses: { 200: jsonContent(SessionOut, 'Signed in'), 401: errorContent('WECHAT_CODE_INVALID') },
});

function sessionOut(result: ExternalSignIn) {
  const { session } = result;
  return {
    access_token: session.access_token,
    token_type: 'bearer' as const,
    expires_in: session.expires_in,
    expires_at: session.expires_at,
    refresh_token: session.refresh_token,
    // The account's address is an internal, undeliverable one: the app gets only what it can use.
    user: {
      id: result.userId,
      is_new_user: result.isNewUser,
      is_anonymous: false,
      created_at: session.user.created_at,
    },
  };
}

/** WeChat's errcodes (code2session) → our answer. */
function wechatFailure(err: WechatError): ApiError {
  switch (err.errcode) {
    case 40029:
    case 40163:
    case 40226:
      return new ApiError(
        'WECHAT_CODE_INVALID',
        'The WeChat login code is invalid, expired or already used; call wx.login() again.',
        [
          { code: String(err.errcode), message: err.errmsg },
        ],
      );
    case 45011:
      return new ApiError('RATE_LIMITED', 'WeChat is limiting logins for this user; try again in a minute.', [], {
        'Retry-After': '60',
      });
    case -1:
      return new ApiError('SERVICE_UNAVAILABLE', 'WeChat is busy; try again.');
    default:
      return new ApiError('UPSTREAM_ERROR', 'WeChat refused the login exchange.', [{
        code: String(err.errcode),
        message: 'see server logs',
      }]);
  }
}

type DeviceSignInBody = z.infer<typeof DeviceSignIn>;

/**
 * Registers the installation for the account being signed in, in the sign-in's transaction, as POST /devices would:
 * register_device acts for auth.uid(), which the subject set here answers.
 */
const registerInstallation =
  (appId: AppId, installationId: string, body: DeviceSignInBody): SignInStep => async (tx, userId) => {
    await tx`select set_config('request.jwt.claim.sub', ${userId}, true)`;
    await tx`select public.register_device(${appId}, ${installationId}, ${body.platform}, null, null,
                                           ${body.locale ?? null}, ${body.timezone ?? null}, ${
      body.app_version ?? null
    })`;
  };

export interface SignInDeps {
  gotrue: () => GoTrue;
  wechat: () => WechatAuth | undefined;
  /** Apps whose sign-in answer carries their userInfo. */
  userInfo?: Partial<Record<AppId, UserInfoReader>>;
}

export function registerSignInRoutes(app: HoutaiApp, deps: SignInDeps) {
  const context = (c: Context<AppEnv>): SignInContext => {
    const secret = c.var.config.signInSecret;
    if (!secret) throw new ApiError('SERVICE_UNAVAILABLE', 'Sign-in is not configured (SIGN_IN_SECRET).');
    return {
      db: c.var.db,
      gotrue: deps.gotrue(),
      secret,
      client: { ip: clientAddress(c), userAgent: c.req.header('user-agent') },
    };
  };

  app.openapi(deviceRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    const body = c.req.valid('json');
    const ctx = context(c);
    const identity = { provider: 'device' as const, appId, externalId: await deviceIdHash(ctx.secret, body.device_id) };
    const installation = body.installation_id ? registerInstallation(appId, body.installation_id, body) : undefined;
    const result = await signInExternal(ctx, identity, installation);
    return c.json(sessionOut(result), 200);
  });

  app.openapi(wechatRoute, async (c) => {
    const { app: appId } = c.req.valid('param');
    const { code } = c.req.valid('json');
    const ctx = context(c);
    const wechat = deps.wechat();
    if (!wechat) throw new ApiError('SERVICE_UNAVAILABLE', 'WeChat sign-in is not configured (WECHAT_MINI_PROGRAMS).');
    if (!wechat.supports(appId)) throw new ApiError('NOT_FOUND', `WeChat sign-in is not set up for ${appId}.`);
    let identity;
    try {
      identity = await wechat.code2session(appId, code);
    } catch (err) {
      if (!(err instanceof WechatError)) throw err;
      console.error(
        JSON.stringify({
          level: 'warn',
          request_id: c.var.requestId,
          wechat_errcode: err.errcode,
          wechat_errmsg: err.errmsg,
        }),
      );
      await audit(ctx, 'sign_in_failed', null, appId, { provider: 'wechat', errcode: err.errcode });
      throw wechatFailure(err);
    }
    const result = await signInExternal(ctx, {
      provider: 'wechat',
      appId,
      externalId: identity.openid,
      unionId: identity.unionid,
    });
    const readUserInfo = deps.userInfo?.[appId];
    const userInfo = readUserInfo && (await c.var.db.asService((tx) => readUserInfo(tx, result.userId)));
    return c.json({ ...sessionOut(result), ...(userInfo ? { userInfo } : {}) }, 200);
  });
}
