// supabase/config.toml is what `supabase config push` applies to the hosted project: the settings the deploy once
// asked for by hand in the dashboard, read here as the CLI reads the file. The local stack takes the same values.
import { describe, expect, it } from 'vitest';
import { APP_IDS } from '../../functions/_shared/apps.ts';
import { authSettings } from '../../scripts/emulators/auth/config.ts';
import { readConfigToml, resolveEnv } from '../../scripts/stack/project.ts';
import { Buffer } from 'node:buffer';

const toml = readConfigToml();
const auth = toml.auth ?? {};
const email = auth.email ?? {};
const HOSTED_HOOK = 'https://abcdefghijklmnopqrst.supabase.co/functions/v1/hooks/auth/send-sms';
const SECRET = `v1,whsec_${Buffer.alloc(32, 7).toString('base64')}`;

describe('supabase/config.toml', () => {
  it('turns on the send-SMS hook, its address and secret taken from the environment config push runs in', () => {
    const hook = auth.hook?.send_sms;
    expect(hook?.enabled).toBe(true);
    const env = { SEND_SMS_HOOK_URI: HOSTED_HOOK, SEND_SMS_HOOK_SECRETS: SECRET };
    expect(resolveEnv(hook?.uri, env)).toBe(HOSTED_HOOK);
    expect(resolveEnv(hook?.secrets, env)).toBe(SECRET);
  });

  it('turns on phone sign-up and sign-in with confirmation codes, and anonymous sign-ins', () => {
    expect(auth.enable_signup).toBe(true);
    // [auth.sms] enabled is Auth's phone provider; enable_confirmations makes a phone sign-up wait for its code.
    expect(auth.sms?.enabled).toBe(true);
    expect(auth.sms?.enable_confirmations).toBe(true);
    expect(auth.enable_anonymous_sign_ins).toBe(true);
  });

  it("exposes public and every app's own schema through the Data API", () => {
    expect(toml.api?.schemas).toEqual(['public', ...APP_IDS]);
  });

  it('asks the hosted project to confirm email sign-ups by mail, email changes on both addresses', () => {
    expect(auth.email).toMatchObject({
      enabled: true,
      enable_confirmations: true,
      double_confirm_changes: true,
      secure_password_change: true,
      max_frequency: '60s',
      otp_expiry: 3600,
    });
  });

  it('sends mail through [auth.email.smtp] on implicit TLS, its server and account from the environment', () => {
    const smtp = email.smtp ?? {};
    expect(smtp).toMatchObject({ enabled: true, port: 465 });
    const env = { SMTP_HOST: 'smtpdm.aliyun.com', SMTP_USER: 'no-reply@mail.example.cn', SMTP_PASS: 'p' };
    expect(resolveEnv(smtp.host, env)).toBe('smtpdm.aliyun.com');
    expect(resolveEnv(smtp.user, env)).toBe('no-reply@mail.example.cn');
    expect(resolveEnv(smtp.pass, env)).toBe('p');
  });
});

describe('the local Auth emulator reads the same settings', () => {
  it('sends codes through the hook at the address and with the secret the environment gives config.toml', () => {
    const local = 'http://127.0.0.1:40001/functions/v1/hooks/auth/send-sms';
    const settings = authSettings(auth, { SEND_SMS_HOOK_URI: local, SEND_SMS_HOOK_SECRETS: SECRET });
    expect(settings.sendSmsHook).toEqual({ uri: local, secrets: SECRET });
    expect(settings).toMatchObject({
      phoneProvider: true,
      phoneAutoconfirm: false,
      enableAnonymousSignIns: true,
      enableSignup: true,
    });
    // Without them (a stack that has no hook secret) codes are printed, never sent to a made-up address.
    expect(authSettings(auth, {}).sendSmsHook).toBeUndefined();
  });

  it("mails through the SMTP server the environment gives config.toml, on the stack's own port", () => {
    const env = { SMTP_HOST: '127.0.0.1', SMTP_USER: 'u', SMTP_PASS: 'p', SMTP_ADMIN_EMAIL: 'a@b.cn' };
    expect(authSettings(auth, { ...env, AUTH_SMTP_PORT: '40025' }).smtp).toEqual({
      host: '127.0.0.1',
      port: 40025,
      user: 'u',
      pass: 'p',
      adminEmail: 'a@b.cn',
      senderName: 'Houtai',
    });
    expect(authSettings(auth, env).smtp?.port).toBe(465);
    expect(authSettings(auth, env)).toMatchObject({ emailAutoconfirm: false });
    // Without a server, mail is printed, never sent to a made-up host.
    expect(authSettings(auth, {}).smtp).toBeUndefined();
  });

  it("accepts Apple ID tokens for every iOS app and the Services ID, Google's for the environment's ids", () => {
    const google = '1-web.apps.googleusercontent.com,1-ios.apps.googleusercontent.com';
    const { identities } = authSettings(auth, { SUPABASE_AUTH_EXTERNAL_GOOGLE_CLIENT_ID: google });
    expect(identities.providers.apple).toEqual({
      enabled: true,
      clientIds: [
        'com.houtai.signin',
        'com.houtai.coach',
        'com.houtai.companion',
        'com.houtai.quit',
        'com.houtai.pickitchen',
      ],
      skipNonceCheck: false,
      emailOptional: false,
      secret: '',
      redirectUri: '',
    });
    expect(identities.providers.google).toMatchObject({
      enabled: true,
      clientIds: google.split(','),
      skipNonceCheck: false,
    });
    // Manual linking on (GoTrue's default is off): users unlink what they linked (docs/auth.md).
    expect(identities.manualLinking).toBe(true);
  });
});
