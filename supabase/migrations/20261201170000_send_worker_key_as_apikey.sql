-- The worker kick (pg_net → POST worker/run) sends the key kept in Vault as 'houtai_service_role_key' the way
-- Supabase wants keys sent, whichever kind it is: a secret API key (sb_secret_…, not a JWT) on the `apikey` header
-- only, a legacy service_role key (a JWT) on `apikey` and as the bearer, which the gateway's verify_jwt check reads.
-- Until now the key went only as the bearer, where an sb_secret_ key does not belong. The headers are made by
-- internal.worker_kick_headers(), which exists on every database so tests can send exactly what pg_net would;
-- internal.kick_worker() is replaced only where pg_net exists (Supabase), as in 20261123050100_schedule_worker.

create function internal.worker_kick_headers(p_key text) returns jsonb
language sql
immutable
set search_path = ''
as $$
  select jsonb_build_object('content-type', 'application/json', 'apikey', p_key)
         || case when p_key like 'sb\_%' then '{}'::jsonb
                 else jsonb_build_object('authorization', 'Bearer ' || p_key) end
$$;
comment on function internal.worker_kick_headers(text) is
  'The headers pg_net sends the worker with the key from Vault: an sb_secret_ API key on apikey only; a legacy service_role JWT on apikey and as the bearer.';
revoke execute on function internal.worker_kick_headers(text) from public;

do $migration$
begin
  if not exists (select 1 from pg_available_extensions where name = 'pg_net') then
    return;
  end if;

  execute $fn$
    create or replace function internal.kick_worker() returns void
    language plpgsql
    security definer
    set search_path = ''
    as $body$
    declare
      v_url text;
      v_key text;
    begin
      select decrypted_secret into v_url from vault.decrypted_secrets where name = 'houtai_worker_url';
      select decrypted_secret into v_key from vault.decrypted_secrets where name = 'houtai_service_role_key';
      if v_url is null or v_key is null then
        return;
      end if;
      -- Asynchronous: pg_net sends after commit and never blocks the enqueuing transaction.
      perform net.http_post(url := v_url, body := '{"budget_ms": 25000}'::jsonb, headers := internal.worker_kick_headers(v_key));
    end
    $body$
  $fn$;
  execute $fn$ comment on function internal.kick_worker() is 'Asks the worker function to run now (pg_net), with the URL and key (sb_secret_… or the legacy service_role key) kept in Vault. Security definer: it reads Vault.' $fn$;
  execute $fn$ revoke execute on function internal.kick_worker() from public $fn$;
end
$migration$;
