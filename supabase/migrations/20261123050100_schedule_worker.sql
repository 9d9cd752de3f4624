-- Production trigger of the worker: pg_cron every minute, plus an immediate kick when a job is enqueued, both
-- through pg_net (Supabase has it; plain Postgres, like the local stack, does not — there `npm start` runs a
-- loop instead, and this migration changes nothing). The worker's URL and the service-role key come from
-- Supabase Vault: vault.create_secret('<https://ref.supabase.co/functions/v1/worker/run>', 'houtai_worker_url')
-- and vault.create_secret('<service role key>', 'houtai_service_role_key').

do $migration$
begin
  if not exists (select 1 from pg_available_extensions where name = 'pg_net') then
    raise notice 'pg_net is not available: the worker is driven from outside (npm start''s loop)';
    return;
  end if;
  create extension if not exists pg_net with schema extensions;

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
      perform net.http_post(url := v_url, body := '{"budget_ms": 25000}'::jsonb,
                            headers := jsonb_build_object('authorization', 'Bearer ' || v_key, 'content-type', 'application/json'));
    end
    $body$
  $fn$;
  execute $fn$ comment on function internal.kick_worker() is 'Asks the worker function to run now (pg_net), with the URL and key kept in Vault.' $fn$;
  execute $fn$ revoke execute on function internal.kick_worker() from public $fn$;

  execute $fn$
    create or replace function internal.kick_worker_on_enqueue() returns trigger
    language plpgsql
    security definer
    set search_path = ''
    as $body$
    begin
      perform internal.kick_worker();
      return null;
    end
    $body$
  $fn$;
  execute $fn$ drop trigger if exists jobs_kick_worker on internal.jobs $fn$;
  execute $fn$ create trigger jobs_kick_worker after insert on internal.jobs for each statement execute function internal.kick_worker_on_enqueue() $fn$;

  perform cron.schedule('houtai-worker', '* * * * *', 'select internal.kick_worker()');
end
$migration$;
