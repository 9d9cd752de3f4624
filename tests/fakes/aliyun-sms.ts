// A local stand-in for Aliyun's Dysms API (SendSms) and content moderation (Green TextModerationPlus), checking
// requests the way Aliyun does: the ACS3-HMAC-SHA256
// signature over the canonical request, the access key, the action and version headers, the parameters. Tests
// read what was "sent" and make it fail with Aliyun's own error codes through /__fake/* control routes.
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';

export interface SentSms {
  phoneNumbers: string;
  signName: string;
  templateCode: string;
  templateParam: Record<string, string>;
  at: number;
}

const encode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

/** Recomputes the ACS3 signature of a request (Aliyun's "V3 request signature"). */
export function acs3Signature(
  req: { method: string; path: string; query: URLSearchParams; headers: Record<string, string>; body: string },
  signedHeaders: string[],
  secret: string,
) {
  const canonicalQuery = [...req.query.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${encode(k)}=${encode(v)}`)
    .join('&');
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${(req.headers[h] ?? '').trim()}\n`).join('');
  const hashedPayload = createHash('sha256').update(req.body).digest('hex');
  const canonicalRequest = [
    req.method,
    req.path,
    canonicalQuery,
    canonicalHeaders,
    signedHeaders.join(';'),
    hashedPayload,
  ].join('\n');
  const stringToSign = `ACS3-HMAC-SHA256\n${createHash('sha256').update(canonicalRequest).digest('hex')}`;
  return createHmac('sha256', secret).update(stringToSign).digest('hex');
}

export interface FakeAliyunSms {
  url: string;
  endpoint: string;
  sent: SentSms[];
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let data = '';
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => resolve(data));
  });
}

export async function startFakeAliyunSms(
  credentials: { accessKeyId: string; accessKeySecret: string },
): Promise<FakeAliyunSms> {
  const sent: SentSms[] = [];
  const failures = new Map<string, string>(); // phone → Aliyun error code for its next message
  const moderated: Array<{ service: string; content: string }> = [];

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const body = await readBody(req);
    const reply = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json;charset=utf-8' });
      res.end(JSON.stringify(payload));
    };
    const requestId = crypto.randomUUID().toUpperCase();

    if (url.pathname === '/__fake/messages') {
      const phone = url.searchParams.get('phone');
      return reply(200, sent.filter((m) => !phone || m.phoneNumbers === phone));
    }
    if (url.pathname === '/__fake/moderated') return reply(200, moderated);
    if (url.pathname === '/__fake/fail-next' && req.method === 'POST') {
      const { phone, code } = JSON.parse(body) as { phone: string; code: string };
      failures.set(phone, code);
      return reply(200, {});
    }

    // --- the SendSms API ---
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    const auth = /^ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([^,]+),Signature=([0-9a-f]+)$/.exec(
      headers.authorization ?? '',
    );
    if (!auth) {
      return reply(400, {
        Code: 'MissingAuthorization',
        Message: 'Authorization is mandatory for this action.',
        RequestId: requestId,
      });
    }
    if (auth[1] !== credentials.accessKeyId) {
      return reply(404, {
        Code: 'InvalidAccessKeyId.NotFound',
        Message: 'Specified access key is not found.',
        RequestId: requestId,
      });
    }
    const signedHeaders = auth[2].split(';');
    for (
      const required of [
        'host',
        'x-acs-action',
        'x-acs-content-sha256',
        'x-acs-date',
        'x-acs-signature-nonce',
        'x-acs-version',
      ]
    ) {
      if (!signedHeaders.includes(required)) {
        return reply(400, { Code: 'IncompleteSignature', Message: `${required} must be signed`, RequestId: requestId });
      }
    }
    if (headers['x-acs-content-sha256'] !== createHash('sha256').update(body).digest('hex')) {
      return reply(400, {
        Code: 'IncompleteSignature',
        Message: 'The request body hash does not match.',
        RequestId: requestId,
      });
    }
    const expected = acs3Signature(
      { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers, body },
      signedHeaders,
      credentials.accessKeySecret,
    );
    if (expected !== auth[3]) {
      return reply(400, {
        Code: 'SignatureDoesNotMatch',
        Message: 'Specified signature is not matched with our calculation.',
        RequestId: requestId,
      });
    }
    if (headers['x-acs-action'] === 'TextModerationPlus' && headers['x-acs-version'] === '2022-03-02') {
      const service = url.searchParams.get('Service');
      if (service !== 'llm_query_moderation' && service !== 'llm_response_moderation') {
        return reply(200, { Code: 400, Message: 'service is not valid', RequestId: requestId });
      }
      const content = String(JSON.parse(url.searchParams.get('ServiceParameters') ?? '{}').content ?? '');
      moderated.push({ service, content });
      const risky = /forbidden|违禁/i.test(content);
      return reply(200, {
        Code: 200,
        Message: 'OK',
        RequestId: requestId,
        Data: {
          RiskLevel: risky ? 'high' : 'none',
          Result: [{ Label: risky ? 'political_content' : 'nonLabel', Confidence: risky ? 99.1 : undefined }],
        },
      });
    }
    if (headers['x-acs-action'] !== 'SendSms' || headers['x-acs-version'] !== '2017-05-25') {
      return reply(404, {
        Code: 'InvalidAction.NotFound',
        Message: 'Specified api is not found, please check your url and method.',
        RequestId: requestId,
      });
    }

    const q = url.searchParams;
    const phone = q.get('PhoneNumbers') ?? '';
    const param = q.get('TemplateParam') ?? '';
    if (!q.get('SignName')) {
      return reply(200, { Code: 'isv.SMS_SIGNATURE_ILLEGAL', Message: '签名不合法', RequestId: requestId });
    }
    if (!q.get('TemplateCode')) {
      return reply(200, { Code: 'isv.SMS_TEMPLATE_ILLEGAL', Message: '模板不合法', RequestId: requestId });
    }
    if (!/^(1[3-9]\d{9}|[2-9]\d{7,14})$/.test(phone)) {
      return reply(200, { Code: 'isv.MOBILE_NUMBER_ILLEGAL', Message: '非法手机号', RequestId: requestId });
    }
    let templateParam: Record<string, string>;
    try {
      templateParam = JSON.parse(param);
    } catch {
      return reply(200, { Code: 'isv.INVALID_JSON_PARAM', Message: 'JSON参数不合法', RequestId: requestId });
    }
    if (typeof templateParam.code !== 'string') {
      return reply(200, {
        Code: 'isv.TEMPLATE_MISSING_PARAMETERS',
        Message: '模板变量缺少对应参数值',
        RequestId: requestId,
      });
    }
    const failure = failures.get(phone);
    if (failure) {
      failures.delete(phone);
      return reply(200, { Code: failure, Message: '触发分钟级流控Permits:1', RequestId: requestId });
    }
    sent.push({
      phoneNumbers: phone,
      signName: q.get('SignName')!,
      templateCode: q.get('TemplateCode')!,
      templateParam,
      at: Date.now(),
    });
    return reply(200, { Code: 'OK', Message: 'OK', BizId: `${Date.now()}^0`, RequestId: requestId });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    endpoint: `127.0.0.1:${port}`,
    sent,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
