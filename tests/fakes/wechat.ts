// A local stand-in for WeChat's code2session (GET /sns/jscode2session): checks appid/secret/grant_type as
// WeChat does and answers with WeChat's JSON, including its errcodes. A code works once (40163 after), an
// unknown code is 40029. Tests register what wx.login() would have produced through /__fake/codes.
import { createServer, type Server } from 'node:http';

export interface FakeWechat {
  url: string;
  close(): Promise<void>;
}

export async function startFakeWechat(
  programs: Record<string, { app_id: string; app_secret: string }>,
): Promise<FakeWechat> {
  const codes = new Map<string, { appid: string; openid: string; unionid?: string; errcode?: number }>();
  const used = new Set<string>();
  const secrets = new Map(Object.values(programs).map((p) => [p.app_id, p.app_secret]));

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const reply = (payload: unknown) => {
      // WeChat answers errors with HTTP 200 too.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    if (url.pathname === '/__fake/codes' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const entry = JSON.parse(body) as {
          code: string;
          appid: string;
          openid: string;
          unionid?: string;
          errcode?: number;
        };
        codes.set(entry.code, entry);
        reply({});
      });
      return;
    }
    if (url.pathname !== '/sns/jscode2session') return reply({ errcode: 40066, errmsg: 'invalid url' });
    const q = url.searchParams;
    const appid = q.get('appid') ?? '';
    if (!secrets.has(appid)) return reply({ errcode: 40013, errmsg: 'invalid appid' });
    if (secrets.get(appid) !== q.get('secret')) return reply({ errcode: 40125, errmsg: 'invalid appsecret' });
    if (q.get('grant_type') !== 'authorization_code') return reply({ errcode: 40002, errmsg: 'invalid grant_type' });
    const code = q.get('js_code') ?? '';
    const entry = codes.get(code);
    if (!entry || entry.appid !== appid) return reply({ errcode: 40029, errmsg: 'invalid code, rid: fake' });
    if (entry.errcode) {
      return reply({
        errcode: entry.errcode,
        errmsg: entry.errcode === 45011 ? 'api minute-quota reach limit' : 'error',
      });
    }
    if (used.has(code)) return reply({ errcode: 40163, errmsg: 'code been used, rid: fake' });
    used.add(code);
    return reply({
      openid: entry.openid,
      session_key: 'fake-session-key==',
      ...(entry.unionid ? { unionid: entry.unionid } : {}),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
