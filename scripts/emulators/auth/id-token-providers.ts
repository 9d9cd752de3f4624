// Which provider an ID token is for, and what its claims say about the user, as GoTrue reads them
// (api/token_oidc.go getProvider; provider/oidc.go parseAppleIDToken, parseGoogleIDToken; the Claims it stores).
import { decodeJwt, type JWTPayload } from 'jose';
import { AuthError, validation } from './errors.ts';
import type { ExternalIdentity } from './external-accounts.ts';
import type { IdentitySettings, IdTokenProviderName, IdTokenProviderSettings } from './identity-settings.ts';

export const APPLE_ISSUERS = ['https://appleid.apple.com', 'https://account.apple.com'];
export const GOOGLE_ISSUER = 'https://accounts.google.com';

/** GoTrue's other ID-token providers with a fixed issuer; this project turns them all off. */
const OTHER_PROVIDERS: Record<string, string> = {
  facebook: 'https://www.facebook.com',
  kakao: 'https://kauth.kakao.com',
  keycloak: '',
  snapchat: 'https://accounts.snapchat.com/accounts/oauth2/token',
  vercel_marketplace: 'https://marketplace.vercel.com',
};

export interface IdTokenProvider {
  name: IdTokenProviderName;
  /** The issuer whose keys verify the token (for Apple, the one the token names). */
  issuer: string;
  settings: IdTokenProviderSettings;
}

const disabled = (issuer: string) =>
  new AuthError(400, 'provider_disabled', `Provider (issuer ${JSON.stringify(issuer)}) is not enabled`);

/** The `iss` of a token not yet verified (GoTrue's DetectAppleIDTokenIssuer); undefined when it cannot be read. */
function claimedIssuer(token: string): string | undefined {
  try {
    return String(decodeJwt(token).iss ?? '');
  } catch {
    return undefined;
  }
}

/**
 * The provider for `provider` (or, without one, the `issuer` parameter), refused as GoTrue refuses it: 400
 * validation_failed for what it cannot use, 400 provider_disabled for a provider the project has off.
 */
export function idTokenProvider(
  identities: IdentitySettings,
  request: { provider: string; issuer: string; idToken: string },
): IdTokenProvider {
  const { provider, issuer, idToken } = request;
  const enabled = (name: IdTokenProviderName, iss: string): IdTokenProvider => {
    const settings = identities.providers[name];
    if (!settings.enabled) throw disabled(iss);
    return { name, issuer: iss, settings };
  };
  if (provider === 'apple' || APPLE_ISSUERS.includes(issuer)) {
    const detected = claimedIssuer(idToken);
    if (detected === undefined) throw validation('Unable to detect issuer in ID token for Apple provider');
    if (!APPLE_ISSUERS.includes(detected)) throw validation('Detected ID token issuer is not an Apple ID token issuer');
    if (issuer && issuer !== detected) throw validation('Provided issuer does not match ID token issuer');
    return enabled('apple', detected);
  }
  if (provider === 'google' || issuer === GOOGLE_ISSUER) return enabled('google', GOOGLE_ISSUER);
  const other = Object.entries(OTHER_PROVIDERS).find(([name, iss]) => provider === name || (iss && issuer === iss));
  if (other) throw disabled(other[1]);
  if (provider.startsWith('custom:')) throw validation('Custom OAuth providers are disabled');
  // GoTrue's allow-list of arbitrary issuers (GOTRUE_EXTERNAL_ALLOWED_ID_TOKEN_ISSUERS) is empty here.
  throw validation(`Custom OIDC provider ${JSON.stringify(provider)} not allowed`);
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');
/** Apple writes some booleans as strings ("true"); GoTrue reads both. */
const truthy = (v: unknown) => v === true || v === 'true';

/**
 * Apple vouches for every address it sends (GoTrue marks it verified whatever email_verified says); identity_data
 * keeps is_private_email, auth_time and transfer_sub as custom_claims.
 */
function appleIdentity(claims: JWTPayload, settings: IdTokenProviderSettings): ExternalIdentity {
  const sub = claims.sub!;
  const email = text(claims.email).toLowerCase();
  const custom: Record<string, unknown> = {};
  if (claims.is_private_email !== undefined) custom.is_private_email = truthy(claims.is_private_email);
  if (typeof claims.auth_time === 'number') custom.auth_time = claims.auth_time;
  if (text(claims.transfer_sub)) custom.transfer_sub = claims.transfer_sub;
  return {
    provider: 'apple',
    sub,
    email,
    emailVerified: true,
    emailOptional: settings.emailOptional,
    data: {
      iss: claims.iss,
      sub,
      ...(email ? { email } : {}),
      email_verified: true,
      phone_verified: false,
      ...(Object.keys(custom).length > 0 ? { custom_claims: custom } : {}),
      provider_id: sub,
    },
  };
}

/** Google's address counts as verified only when email_verified (or the older verified_email) is true. */
function googleIdentity(claims: JWTPayload, settings: IdTokenProviderSettings): ExternalIdentity {
  const sub = claims.sub!;
  const email = text(claims.email).toLowerCase();
  const verified = !!email && (claims.email_verified === true || claims.verified_email === true);
  const name = text(claims.name);
  const picture = text(claims.picture);
  const hd = text(claims.hd);
  return {
    provider: 'google',
    sub,
    email,
    emailVerified: verified,
    emailOptional: settings.emailOptional,
    data: {
      iss: claims.iss,
      sub,
      ...(name ? { name, full_name: name } : {}),
      ...(picture ? { picture, avatar_url: picture } : {}),
      ...(email ? { email } : {}),
      email_verified: verified,
      phone_verified: false,
      ...(hd ? { custom_claims: { hd } } : {}),
      provider_id: sub,
    },
  };
}

/** The identity a verified token describes. */
export function identityFromClaims(provider: IdTokenProvider, claims: JWTPayload): ExternalIdentity {
  return provider.name === 'apple'
    ? appleIdentity(claims, provider.settings)
    : googleIdentity(claims, provider.settings);
}
