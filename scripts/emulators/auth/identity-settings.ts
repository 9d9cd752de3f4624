// The sign-in providers that vouch for a user with an ID token (config.toml's [auth.external.apple] and
// [auth.external.google], as the Supabase CLI hands them to GoTrue) and [auth] enable_manual_linking: the emulator's
// `identities` settings. Kept apart from config.ts so the ID-token grant and identity linking read one place.
import { z } from 'zod';
import { jsonSetting, readEnv } from '../../../functions/_shared/env-reader.ts';
import { type AuthToml, type ExternalProviderToml, resolveEnv } from '../../stack/project.ts';

/** The ID-token providers the emulator verifies; GoTrue knows more (azure, facebook, …), all off here. */
export type IdTokenProviderName = 'apple' | 'google';

export interface IdTokenProviderSettings {
  enabled: boolean;
  /** The audiences a token may carry: client_id split on commas (for Apple the bundle ids and the services id). */
  clientIds: string[];
  /** GoTrue's EXTERNAL_<P>_SKIP_NONCE_CHECK: no nonce rule at all. */
  skipNonceCheck: boolean;
  /** A token without an email still signs in (GoTrue's EMAIL_OPTIONAL). */
  emailOptional: boolean;
  /**
   * `secret`: the OAuth client secret for redirects (/authorize, /callback); ID tokens never need it. Google's is the
   * Web client's secret; Apple's is the client-secret JWT the deployer signs with the Sign in with Apple key.
   */
  secret: string;
  /** Where the provider sends the browser back ([auth.external.<p>] redirect_uri): `<API_URL>/auth/v1/callback`. */
  redirectUri: string;
}

export interface IdentitySettings {
  providers: Record<IdTokenProviderName, IdTokenProviderSettings>;
  /** [auth] enable_manual_linking: /user/identities (linkIdentity by redirect, unlinkIdentity) is open. */
  manualLinking: boolean;
  /**
   * Where the emulator fetches an issuer's discovery document instead of `<issuer>/.well-known/openid-configuration`
   * (AUTH_OIDC_DISCOVERY_URLS, set by the test stack for its fake Apple and Google). A token's `iss` must still be
   * the real issuer: only the address the keys come from changes.
   */
  discoveryUrls: Record<string, string>;
}

const envSchema = z.object({
  AUTH_OIDC_DISCOVERY_URLS: jsonSetting(z.record(z.string(), z.url()), {}),
});

function provider(toml: ExternalProviderToml | undefined, env: Record<string, string | undefined>) {
  return {
    enabled: toml?.enabled ?? false,
    clientIds: (resolveEnv(toml?.client_id, env) ?? '').split(',').map((id) => id.trim()).filter(Boolean),
    skipNonceCheck: toml?.skip_nonce_check ?? false,
    emailOptional: toml?.email_optional ?? false,
    secret: resolveEnv(toml?.secret, env) ?? '',
    redirectUri: resolveEnv(toml?.redirect_uri, env) ?? '',
  };
}

export function identitySettings(auth: AuthToml, env: Record<string, string | undefined>): IdentitySettings {
  const e = readEnv(envSchema, env);
  return {
    providers: {
      apple: provider(auth.external?.apple, env),
      google: provider(auth.external?.google, env),
    },
    manualLinking: auth.enable_manual_linking ?? false,
    discoveryUrls: e.AUTH_OIDC_DISCOVERY_URLS,
  };
}
