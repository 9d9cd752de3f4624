// Edge Function entrypoint (supabase/config.toml [functions.api]).
import { fetchHandler } from './app.ts';

Deno.serve(fetchHandler);
