// Edge Function entrypoint (supabase/config.toml [functions.hooks]).
import { fetchHandler } from './app.ts';

Deno.serve(fetchHandler);
