// The Auth emulator's public answers: /health, the JWKS and /settings (GoTrue's Settings), what clients read before
// signing in.
import type { EmulatorContext } from './context.ts';
import { Hono } from 'hono';

export function publicRoutes(ctx: EmulatorContext): Hono {
  const { settings, jwks } = ctx;
  const app = new Hono();

  app.get(
    '/health',
    (c) =>
      c.json({
        version: 'v2.177.0-houtai-emulator',
        name: 'GoTrue',
        description: 'GoTrue is a user registration and authentication API',
      }),
  );

  // Public keys only, cached by clients for ten minutes as GoTrue tells them (supabase-js getClaims reads it).
  app.get('/.well-known/jwks.json', (c) => c.json(jwks, 200, { 'cache-control': 'public, max-age=600' }));

  app.get('/settings', (c) =>
    c.json({
      external: {
        anonymous_users: settings.enableAnonymousSignIns,
        email: settings.emailProvider,
        phone: settings.phoneProvider,
        apple: settings.identities.providers.apple.enabled,
        google: settings.identities.providers.google.enabled,
      },
      disable_signup: !settings.enableSignup,
      mailer_autoconfirm: settings.emailAutoconfirm,
      phone_autoconfirm: settings.phoneAutoconfirm,
      sms_provider: settings.sendSmsHook ? 'hook' : 'console',
      saml_enabled: false,
    }));

  return app;
}
