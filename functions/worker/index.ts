// Edge Function entrypoint (supabase/config.toml [functions.worker]).
import { fetchHandler } from './app.ts';

Deno.serve(fetchHandler);
