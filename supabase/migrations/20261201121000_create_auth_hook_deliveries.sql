-- Auth's hook calls we have acted on, one row per Standard Webhooks message id (webhook-id). Auth retries a call
-- it saw time out with the same id, and anyone holding a signed request can replay it while its timestamp is
-- within the 5-minute tolerance: each id must send at most one SMS. A claim older than the tolerance can never be
-- replayed (the signature check refuses it first), so claims are kept for an hour and then purged.

create table internal.auth_hook_deliveries (
  hook text not null check (hook in ('send-sms')),
  webhook_id text not null check (char_length(webhook_id) between 1 and 200),
  received_at timestamptz not null default now(),
  primary key (hook, webhook_id)
);
comment on table internal.auth_hook_deliveries is
  'Auth hook calls acted on, by webhook-id: a replay of a signed call finds its row and does nothing. Only signed calls are recorded; rows live about an hour (internal.purge_auth_hook_deliveries). Server-only.';

revoke all on internal.auth_hook_deliveries from public, anon, authenticated, service_role;
grant select, insert, delete on internal.auth_hook_deliveries to service_role;

create or replace function internal.purge_auth_hook_deliveries(p_older_than interval default '1 hour') returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_count bigint;
begin
  delete from internal.auth_hook_deliveries where received_at < now() - p_older_than;
  get diagnostics v_count = row_count;
  return v_count;
end
$$;
comment on function internal.purge_auth_hook_deliveries(interval) is
  'Removes hook claims older than the horizon (default an hour, well past the 5-minute signature tolerance); returns how many.';
revoke execute on function internal.purge_auth_hook_deliveries(interval) from public;

select cron.schedule('purge-auth-hook-deliveries', '*/15 * * * *', 'select internal.purge_auth_hook_deliveries()');
