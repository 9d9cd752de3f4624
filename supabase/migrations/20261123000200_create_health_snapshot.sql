-- What the API's /health reports about the database besides reachability: the schema version deployed
-- and the job queue's depth (zero until the queue exists).

create or replace function internal.health_snapshot() returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_migration text;
  v_depth bigint := 0;
begin
  select max(m.version) into v_migration from supabase_migrations.schema_migrations m;
  -- The queue arrives in a later migration; until then there is nothing queued.
  if pg_catalog.to_regclass('internal.jobs') is not null then
    execute 'select count(*) from internal.jobs where status = ''queued''' into v_depth;
  end if;
  return pg_catalog.jsonb_build_object('migration', v_migration, 'queue_depth', v_depth);
end
$$;
comment on function internal.health_snapshot() is
  'Migration version and queue depth for /health. Security definer because the migration history belongs to the CLI''s schema, which service_role cannot read.';
revoke execute on function internal.health_snapshot() from public;
grant execute on function internal.health_snapshot() to service_role;
