// SMS delivery of one-time codes: Aliyun SMS through its official SDK, or the console when no Aliyun
// credentials are configured (local development).
import * as dysms from '@alicloud/dysmsapi20170525';
import { $OpenApiUtil } from '@alicloud/openapi-core';
import { aliyunPhoneNumber } from '../phone.ts';

export interface SmsSender {
  readonly name: 'aliyun' | 'console';
  /** Sends `code` to an E.164 number (digits only). Throws SmsError on delivery failure. */
  sendOtp(phoneDigits: string, code: string): Promise<{ providerMessageId?: string }>;
}

/** A delivery failure, with the HTTP status the caller should see and the provider's own code. */
export class SmsError extends Error {
  constructor(
    readonly status: number,
    readonly providerCode: string,
    message: string,
  ) {
    super(message);
    this.name = 'SmsError';
  }
}

export interface AliyunSmsConfig {
  accessKeyId: string;
  accessKeySecret: string;
  signName: string;
  templateCode: string;
  /** host[:port] of the Dysms API; tests point it at a local fake. */
  endpoint: string;
  protocol: 'https' | 'http';
}

/** Aliyun error codes (Dysms "API error codes") → what the app is told. */
const ALIYUN_ERRORS: Record<string, [number, string]> = {
  'isv.BUSINESS_LIMIT_CONTROL': [429, 'Too many codes were sent to this number; wait a minute and try again.'],
  'isv.DAY_LIMIT_CONTROL': [429, 'The daily SMS limit for this number is reached; try again tomorrow.'],
  'isv.MOBILE_NUMBER_ILLEGAL': [400, 'The phone number is not valid.'],
  'isv.MOBILE_COUNT_OVER_LIMIT': [400, 'Too many phone numbers in one request.'],
  'isv.BLACK_KEY_CONTROL_LIMIT': [400, 'The message was blocked by the carrier.'],
  'isv.OUT_OF_SERVICE': [503, 'SMS service is suspended for this account.'],
  'isv.AMOUNT_NOT_ENOUGH': [503, 'SMS cannot be sent right now (provider account balance).'],
};

// The SDK is CommonJS; depending on the loader its class sits on .default or .default.default.
type DysmsClient = {
  sendSms(req: unknown): Promise<{ body?: { code?: string; message?: string; bizId?: string; requestId?: string } }>;
};
const sdk = dysms as unknown as { default: unknown; SendSmsRequest: new (o: Record<string, string>) => unknown };
const ClientClass = ((sdk.default as { default?: unknown }).default ?? sdk.default) as new (
  config: unknown,
) => DysmsClient;

export class AliyunSmsSender implements SmsSender {
  readonly name = 'aliyun' as const;
  private readonly client: DysmsClient;

  constructor(private readonly config: AliyunSmsConfig) {
    this.client = new ClientClass(
      new $OpenApiUtil.Config({
        accessKeyId: config.accessKeyId,
        accessKeySecret: config.accessKeySecret,
        endpoint: config.endpoint,
        protocol: config.protocol,
        readTimeout: 5000,
        connectTimeout: 3000,
      }),
    );
  }

  async sendOtp(phoneDigits: string, code: string) {
    let body: { code?: string; message?: string; bizId?: string } | undefined;
    try {
      const res = await this.client.sendSms(
        new sdk.SendSmsRequest({
          phoneNumbers: aliyunPhoneNumber(phoneDigits),
          signName: this.config.signName,
          templateCode: this.config.templateCode,
          templateParam: JSON.stringify({ code }),
        }),
      );
      body = res.body;
    } catch (err) {
      // Transport errors and HTTP-level refusals (bad signature, unknown key) arrive as exceptions.
      const e = err as { code?: string; message?: string; data?: { Code?: string } };
      const providerCode = e.data?.Code ?? e.code ?? 'NETWORK_ERROR';
      throw new SmsError(
        providerCode === 'NETWORK_ERROR' ? 503 : 502,
        providerCode,
        `SMS provider error (${providerCode}).`,
      );
    }
    if (body?.code !== 'OK') {
      const providerCode = body?.code ?? 'UNKNOWN';
      const [status, message] = ALIYUN_ERRORS[providerCode] ??
        [502, `SMS provider refused the message (${providerCode}).`];
      throw new SmsError(status, providerCode, message);
    }
    return { providerMessageId: body.bizId };
  }
}

/** Local development without credentials: the code goes to the console of `npm start`. */
export class ConsoleSmsSender implements SmsSender {
  readonly name = 'console' as const;
  sendOtp(phoneDigits: string, code: string) {
    console.log(`[sms] verification code for +${phoneDigits}: ${code}`);
    return Promise.resolve({});
  }
}

export function createSmsSender(config: AliyunSmsConfig | undefined): SmsSender {
  return config ? new AliyunSmsSender(config) : new ConsoleSmsSender();
}
