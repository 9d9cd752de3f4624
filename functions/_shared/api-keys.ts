// Supabase's API keys that are not JWTs: `sb_publishable_…` (what an app ships; the anon role, like the legacy anon
// key) and `sb_secret_…` (servers only; the service role, like the legacy service_role key). A project may hold
// several of each; hosted functions receive them by name as JSON (SUPABASE_PUBLISHABLE_KEYS, SUPABASE_SECRET_KEYS).
import { timingSafeEqual } from './constant-time.ts';

export type ApiKeyKind = 'publishable' | 'secret';

export const API_KEY_PREFIX: Record<ApiKeyKind, string> = { publishable: 'sb_publishable_', secret: 'sb_secret_' };

/** The project's sb_ keys by kind. */
export type ProjectApiKeys = Record<ApiKeyKind, string[]>;

/** The kind a value claims to be by its prefix (nothing checked yet); undefined for a JWT or anything else. */
export function apiKeyKind(value: string | undefined): ApiKeyKind | undefined {
  if (value?.startsWith(API_KEY_PREFIX.publishable)) return 'publishable';
  if (value?.startsWith(API_KEY_PREFIX.secret)) return 'secret';
  return undefined;
}

/** Whether `presented` equals one of `keys`: every key is compared, in constant time, so timing tells nothing. */
export async function isOneOf(presented: string, keys: readonly string[]): Promise<boolean> {
  const matches = await Promise.all(keys.map((key) => timingSafeEqual(presented, key)));
  return matches.includes(true);
}

/** The kind of project key `presented` is, or undefined when it is none of the project's keys. */
export async function projectKeyKind(
  presented: string | undefined,
  keys: ProjectApiKeys,
): Promise<ApiKeyKind | undefined> {
  const kind = apiKeyKind(presented);
  return kind && (await isOneOf(presented!, keys[kind])) ? kind : undefined;
}
