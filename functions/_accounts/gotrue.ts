// Supabase Auth's own API, used by the functions with the real client: the admin API (secret key, else the
// legacy service-role key) to create users, and the password grant (publishable key, else the legacy anon key) to
// start their sessions. Locally this reaches the
// Auth emulator; in production, Supabase Auth.
import type { SupabaseClient } from '@supabase/supabase-js';
import type { Config } from '../_shared/env.ts';
import { serverClient } from '../_shared/supabase-client.ts';

export interface GoTrue {
  admin: SupabaseClient;
  /** A client that keeps no session: each sign-in's tokens go straight back to the caller. */
  public(headers?: Record<string, string>): SupabaseClient;
}

export function createGoTrue(config: Pick<Config, 'supabaseUrl' | 'keys'>): GoTrue {
  const { anon, serviceRole } = config.keys;
  if (!anon || !serviceRole) {
    throw new Error(
      'sign-in routes need the API keys: SUPABASE_PUBLISHABLE_KEYS and SUPABASE_SECRET_KEYS, or the legacy ' +
        'SUPABASE_ANON_KEY and SUPABASE_SERVICE_ROLE_KEY',
    );
  }
  return {
    admin: serverClient(config.supabaseUrl, serviceRole),
    public: (headers = {}) => serverClient(config.supabaseUrl, anon, headers),
  };
}
