// WeChat mini-program login: code2session (GET /sns/jscode2session) with WeChat's real request and error
// format, or a deterministic local exchange for development without WeChat credentials.
import type { AppId } from '../apps.ts';
import { sha256Hex } from '../digest.ts';

export interface WechatIdentity {
  openid: string;
  unionid?: string;
}

/** A failure reported by WeChat ({errcode, errmsg}) or by the exchange itself. */
export class WechatError extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
  ) {
    super(`WeChat error ${errcode}: ${errmsg}`);
    this.name = 'WechatError';
  }
}

export interface WechatAuth {
  readonly name: 'wechat' | 'dev';
  /** Whether the app has a mini program to sign in with. */
  supports(app: AppId): boolean;
  code2session(app: AppId, code: string): Promise<WechatIdentity>;
}

export class WechatApi implements WechatAuth {
  readonly name = 'wechat' as const;
  constructor(
    private readonly apiBase: string,
    private readonly programs: Record<string, { appId: string; appSecret: string }>,
  ) {}

  supports(app: AppId) {
    return app in this.programs;
  }

  async code2session(app: AppId, code: string): Promise<WechatIdentity> {
    const program = this.programs[app];
    if (!program) throw new WechatError(40013, `no WeChat mini program is configured for ${app}`);
    const url = new URL('/sns/jscode2session', this.apiBase);
    url.search = new URLSearchParams({
      appid: program.appId,
      secret: program.appSecret,
      js_code: code,
      grant_type: 'authorization_code',
    }).toString();
    let body: { openid?: string; unionid?: string; session_key?: string; errcode?: number; errmsg?: string };
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
      body = await res.json();
    } catch {
      throw new WechatError(-1, 'system error (WeChat unreachable or answered garbage)');
    }
    if (body.errcode) throw new WechatError(body.errcode, body.errmsg ?? '');
    if (!body.openid) throw new WechatError(-1, 'no openid in the code2session answer');
    // session_key stays here: nothing we do needs it, and it must never reach a client or a log.
    return { openid: body.openid, unionid: body.unionid || undefined };
  }
}

/**
 * Local development: a code stands for a person. The same code always yields the same openid (per app)
 * and unionid (across apps), so a developer can sign in as "alice" from any mini program.
 */
export class DevWechatAuth implements WechatAuth {
  readonly name = 'dev' as const;
  supports() {
    return true;
  }
  async code2session(app: AppId, code: string): Promise<WechatIdentity> {
    if (code.startsWith('invalid')) throw new WechatError(40029, 'invalid code');
    return {
      openid: `dev-o-${(await sha256Hex(`${app}:${code}`)).slice(0, 24)}`,
      unionid: `dev-u-${(await sha256Hex(code)).slice(0, 24)}`,
    };
  }
}

export function createWechatAuth(
  config: { apiBase: string; programs: Record<string, { appId: string; appSecret: string }>; devExchange: boolean },
): WechatAuth | undefined {
  if (Object.keys(config.programs).length > 0) return new WechatApi(config.apiBase, config.programs);
  return config.devExchange ? new DevWechatAuth() : undefined;
}
