// POST /api/v1/{app}/auth/wechat: code2session (against the fake WeChat), one account per unionid.
import { describe, expect, it } from 'vitest';
import { adminSql } from '../helpers/db.ts';
import { call, envelope } from '../helpers/http.ts';
import { registerWechatCode } from '../helpers/auth.ts';

const unique = () => crypto.randomUUID().slice(0, 12);

describe('WeChat sign-in', () => {
  it('signs in with a code and keeps openid (per app) and unionid', async () => {
    const openid = `o-${unique()}`;
    const unionid = `u-${unique()}`;
    const code = `c-${unique()}`;
    await registerWechatCode('diary', { code, openid, unionid });
    const res = await call('POST', '/diary/auth/wechat', { json: { code } });
    expect(res.status).toBe(200);
    expect(res.body.user.is_new_user).toBe(true);
    const rows = await adminSql()`
      select app_id, external_id, union_id from internal.external_accounts where user_id = ${res.body.user.id}`;
    expect(rows).toEqual([{ app_id: 'diary', external_id: openid, union_id: unionid }]);
    const profiles = await adminSql()`select app_id from public.app_profiles where user_id = ${res.body.user.id}`;
    expect(profiles.map((p) => p.app_id)).toEqual(['diary']);

    // The same person in another of our mini programs (another openid, same unionid) is the same account.
    const code2 = `c-${unique()}`;
    await registerWechatCode('companion', { code: code2, openid: `o-${unique()}`, unionid });
    const other = await call('POST', '/companion/auth/wechat', { json: { code: code2 } });
    expect(other.body.user).toMatchObject({ id: res.body.user.id, is_new_user: false });
  });

  it('refuses invalid and reused codes with 401 WECHAT_CODE_INVALID', async () => {
    const invalid = await call('POST', '/diary/auth/wechat', { json: { code: 'never-issued' } });
    expect(invalid.status).toBe(401);
    expect(envelope(invalid)).toMatchObject({ code: 'WECHAT_CODE_INVALID', details: [{ code: '40029' }] });

    const code = `c-${unique()}`;
    await registerWechatCode('diary', { code, openid: `o-${unique()}` });
    expect((await call('POST', '/diary/auth/wechat', { json: { code } })).status).toBe(200);
    const reused = await call('POST', '/diary/auth/wechat', { json: { code } });
    expect(reused.status).toBe(401);
    expect(envelope(reused).details[0].code).toBe('40163');
  });

  it("maps WeChat's rate limit to 429", async () => {
    const code = `c-${unique()}`;
    await registerWechatCode('diary', { code, openid: `o-${unique()}`, errcode: 45011 });
    const res = await call('POST', '/diary/auth/wechat', { json: { code } });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('60');
  });

  it('is unavailable for an app without a mini program', async () => {
    const res = await call('POST', '/quit/auth/wechat', { json: { code: 'x' } });
    expect(res.status).toBe(404);
    expect(envelope(res).code).toBe('NOT_FOUND');
  });
});
