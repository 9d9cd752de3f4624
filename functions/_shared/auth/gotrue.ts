// Supabase Auth's own API, used by the functions with the real client: the admin API (service-role key)
// to create users, and the password grant (anon key) to start their sessions. Locally this reaches the
// Auth emulator; in production, Supabase Auth.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';
import type { Config } from '../env.ts';

export interface GoTrue {
  admin: SupabaseClient;
  /** A client that keeps no session: each sign-in's tokens go straight back to the caller. */
  public(headers?: Record<string, string>): SupabaseClient;
}

const noSession = { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false };

export function createGoTrue(config: Pick<Config, 'supabaseUrl' | 'keys'>): GoTrue {
  const { anon, serviceRole } = config.keys;
  if (!anon || !serviceRole) throw new Error('SUPABASE_ANON_KEY and SUPABASE_SERVICE_ROLE_KEY are required for sign-in routes');
  return {
    admin: createClient(config.supabaseUrl, serviceRole, { auth: noSession }),
    public: (headers = {}) => createClient(config.supabaseUrl, anon, { auth: noSession, global: { headers } }),
  };
}
