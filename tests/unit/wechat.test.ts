import { describe, expect, it } from 'vitest';
import { createWechatAuth, DevWechatAuth, WechatApi, WechatError } from '../../functions/_shared/providers/wechat.ts';

describe('WeChat adapters', () => {
  it('the dev exchange is deterministic: a code is a person, the unionid spans apps', async () => {
    const dev = new DevWechatAuth();
    const a = await dev.code2session('diary', 'alice');
    expect(await dev.code2session('diary', 'alice')).toEqual(a);
    const other = await dev.code2session('companion', 'alice');
    expect(other.unionid).toBe(a.unionid);
    expect(other.openid).not.toBe(a.openid);
    await expect(dev.code2session('diary', 'invalid-code')).rejects.toBeInstanceOf(WechatError);
  });

  it('uses WeChat when credentials exist, the dev exchange only when asked, else nothing', () => {
    expect(
      createWechatAuth({
        apiBase: 'https://api.weixin.qq.com',
        programs: { diary: { appId: 'wx1', appSecret: 's' } },
        devExchange: true,
      }),
    ).toBeInstanceOf(WechatApi);
    expect(createWechatAuth({ apiBase: 'https://api.weixin.qq.com', programs: {}, devExchange: true })).toBeInstanceOf(
      DevWechatAuth,
    );
    expect(createWechatAuth({ apiBase: 'https://api.weixin.qq.com', programs: {}, devExchange: false }))
      .toBeUndefined();
  });

  it('reports an unreachable WeChat as errcode -1', async () => {
    const api = new WechatApi('http://127.0.0.1:9', { diary: { appId: 'wx1', appSecret: 's' } });
    await expect(api.code2session('diary', 'c')).rejects.toMatchObject({ errcode: -1 });
  });
});
