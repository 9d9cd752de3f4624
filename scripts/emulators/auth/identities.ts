// A user's identities (supabase-js linkIdentity by redirect, unlinkIdentity) and the provider checks of GoTrue's
// OAuth redirects: GET /user/identities/authorize, DELETE /user/identities/{id} (api/identity.go, behind
// requireAuthentication and then requireManualLinkingEnabled), which providers a redirect can use (api/external.go
// Provider; the redirects themselves are oauth.ts), and the features this project leaves off (SAML's /sso).
import { type Context, Hono } from 'hono';
import type postgres from 'postgres';
import type { AuthSettings } from './config.ts';
import { AuthError } from './errors.ts';
import { emailFromIdentities } from './external-accounts.ts';
import type { IdentitySettings } from './identity-settings.ts';
import { identitiesOf, refreshProviders, type UserRow } from './users.ts';

/** Every provider GoTrue's /authorize knows; only [auth.external.apple] and [auth.external.google] are read here. */
const OAUTH_PROVIDERS = [
  'apple',
  'azure',
  'bitbucket',
  'discord',
  'facebook',
  'figma',
  'fly',
  'github',
  'gitlab',
  'google',
  'kakao',
  'keycloak',
  'linkedin',
  'linkedin_oidc',
  'notion',
  'snapchat',
  'spotify',
  'slack',
  'slack_oidc',
  'twitch',
  'twitter',
  'x',
  'vercel_marketplace',
  'workos',
  'zoom',
];

/** Why GoTrue cannot start an OAuth redirect to `name` (its Provider constructor's error); undefined when it can. */
export function oauthProviderProblem(identities: IdentitySettings, name: string): string | undefined {
  const provider = name.toLowerCase();
  if (provider.startsWith('custom:')) return 'custom OAuth providers are disabled';
  if (!OAUTH_PROVIDERS.includes(provider)) return `Provider ${name} could not be found`;
  const settings = provider === 'apple' || provider === 'google' ? identities.providers[provider] : undefined;
  if (!settings?.enabled) return 'provider is not enabled';
  if (settings.clientIds.length === 0) return 'missing OAuth client ID';
  if (!settings.secret) return 'missing OAuth secret';
  return undefined;
}

export interface IdentityRoutesDeps {
  sql: postgres.Sql;
  settings: AuthSettings;
  /** The signed-in user behind the request's bearer token, with GoTrue's 401/403 rules. */
  bearerUser(c: Context): Promise<{ user: UserRow }>;
  /** The provider's authorization URL of a new OAuth flow that links to `user` (oauth.ts). */
  authorizeUrl(c: Context, user: UserRow): Promise<string>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The routes, on an app of their own for the emulator to mount at its base path. */
export function identityRoutes({ sql, settings, bearerUser, authorizeUrl }: IdentityRoutesDeps): Hono {
  const { identities } = settings;
  const app = new Hono();

  /** requireAuthentication, then requireManualLinkingEnabled: a 401/403 comes before the 404. */
  async function linkingUser(c: Context): Promise<UserRow> {
    const { user } = await bearerUser(c);
    if (!identities.manualLinking) throw new AuthError(404, 'manual_linking_disabled', 'Manual linking is disabled');
    return user;
  }

  // supabase-js always asks for the URL as JSON (skip_http_redirect=true): it cannot follow a redirect with a bearer.
  app.get('/user/identities/authorize', async (c) => {
    const url = await authorizeUrl(c, await linkingUser(c));
    return c.req.query('skip_http_redirect') === 'true' ? c.json({ url }) : c.redirect(url, 302);
  });

  app.delete('/user/identities/:identity_id', async (c) => {
    const user = await linkingUser(c);
    const id = c.req.param('identity_id');
    if (!UUID.test(id)) throw new AuthError(404, 'validation_failed', 'identity_id must be an UUID');
    const owned = await identitiesOf(sql, user.id);
    if (owned.length <= 1) {
      throw new AuthError(422, 'single_identity_not_deletable', 'User must have at least 1 identity after unlinking');
    }
    const identity = owned.find((i) => i.id === id);
    if (!identity) throw new AuthError(422, 'identity_not_found', "Identity doesn't exist");
    await sql.begin(async (tx) => {
      await tx`delete from auth.identities where id = ${identity.id}`;
      if (identity.provider === 'phone') {
        await tx`update auth.users set phone = null, phone_confirmed_at = null, updated_at = now()
                 where id = ${user.id}`;
      } else if (!(await emailFromIdentities(tx, user))) {
        const message = 'Unable to unlink identity due to email conflict';
        throw new AuthError(422, 'email_conflict_identity_not_deletable', message);
      }
      await refreshProviders(tx, user.id);
    });
    return c.json({});
  });

  // SAML single sign-on is off (GoTrue's default): /sso and every route under it answer requireSAMLEnabled's refusal.
  app.all('/sso/*', () => {
    throw new AuthError(404, 'saml_provider_disabled', 'SAML 2.0 is disabled');
  });
  return app;
}
