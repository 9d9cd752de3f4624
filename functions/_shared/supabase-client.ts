// supabase-js clients for server-side use: no stored session, no token refresh, no Realtime.
import { createClient, type SupabaseClient } from '@supabase/supabase-js';

/**
 * supabase-js insists on a WebSocket class even when Realtime is never used; Node 20 has none. Server-side
 * clients never subscribe, so where the runtime lacks one, a class that refuses to connect stands in.
 */
class NoRealtime {
  constructor() {
    throw new Error('server-side Supabase clients do not open Realtime connections');
  }
}

export function serverClient(url: string, key: string, headers: Record<string, string> = {}): SupabaseClient {
  return createClient(url, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    realtime: { transport: ((globalThis as { WebSocket?: unknown }).WebSocket ?? NoRealtime) as never },
    global: { headers },
  });
}
