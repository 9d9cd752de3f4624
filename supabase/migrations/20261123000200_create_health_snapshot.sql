-- What the API's /health reports about the database besides reachability: the schema version deployed
-- and the job queue's depth. There is no queue yet, so the depth is 0; the migration that creates the
-- queue replaces this function to count it.

create or replace function internal.health_snapshot() returns jsonb
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_migration text;
begin
  select max(m.version) into v_migration from supabase_migrations.schema_migrations m;
  return pg_catalog.jsonb_build_object('migration', v_migration, 'queue_depth', 0);
end
$$;
comment on function internal.health_snapshot() is
  'Migration version and queue depth for /health. Security definer because the migration history belongs to the CLI''s schema, which service_role cannot read.';
revoke execute on function internal.health_snapshot() from public;
grant execute on function internal.health_snapshot() to service_role;
