// Sign in with Apple and Google as an app does it against the test stack: ID tokens from the stack's fake issuers
// (tests/fakes/oidc-issuers.ts), the nonce pair (the raw value Auth gets, its SHA-256 the provider gets), the
// audiences config.toml accepts, and subjects in each provider's format.
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { readProjectConfig } from '../../scripts/stack/project.ts';
import { idTokenSigner } from '../fakes/oidc-issuers.ts';
import { stackEnv } from './stack.ts';

export { FAKE_GOOGLE_CLIENT_IDS, strangerKey } from '../fakes/oidc-issuers.ts';

/** Signs as the stack's fake Apple and Google. */
export const idTokens = () => idTokenSigner(stackEnv().idTokenIssuers);

/** AUTH_OIDC_DISCOVERY_URLS as the stack has it, for an Auth emulator run in-process. */
export const discoveryEnv = () => ({
  AUTH_OIDC_DISCOVERY_URLS: JSON.stringify(JSON.parse(stackEnv().idTokenIssuers).discoveryUrls),
});

const APPLE_CLIENT_IDS = readProjectConfig().auth.external!.apple.client_id!.split(',');
/** The Services ID, first in [auth.external.apple] client_id: the client OAuth redirects name to Apple. */
export const APPLE_SERVICES_ID = APPLE_CLIENT_IDS[0];
/** A bundle id [auth.external.apple] client_id lists: what an iOS app's identity tokens carry as `aud`. */
export const APPLE_BUNDLE_ID = APPLE_CLIENT_IDS[1];

/** What an app makes before asking Apple or Google: `raw` goes to Auth, `hashed` (hex SHA-256) into the request. */
export function nonce(): { raw: string; hashed: string } {
  const raw = randomBytes(16).toString('base64url');
  return { raw, hashed: createHash('sha256').update(raw).digest('hex') };
}

/** Apple's stable user id for one team: `<6 digits>.<32 hex>.<4 digits>`. */
export const appleSub = () => `00${randomInt(1000, 9999)}.${randomBytes(16).toString('hex')}.${randomInt(1000, 9999)}`;

/** Google's user id: 21 digits. */
export const googleSub = () => `1${Array.from({ length: 20 }, () => randomInt(0, 10)).join('')}`;
