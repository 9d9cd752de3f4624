-- Offline-first sync, part 3: what each device has seen (status), manual conflicts waiting for the app,
-- the one-time import of a phone's local data, and the tombstone horizon with its daily purge.

-- Devices ------------------------------------------------------------------------------------------------

create table internal.sync_devices (
  user_id uuid not null references auth.users (id) on delete cascade,
  app_id public.app_id not null,
  device_id text not null check (char_length(device_id) between 1 and 128),
  last_pull_cursor bigint,
  last_pull_at timestamptz,
  last_push_at timestamptz,
  primary key (user_id, app_id, device_id)
);
comment on table internal.sync_devices is 'Per user, app and device: the cursor its last pull returned and when it last pulled and pushed.';

create table internal.sync_conflicts (
  user_id uuid not null references auth.users (id) on delete cascade,
  mutation_id uuid not null,
  app_id public.app_id not null,
  device_id text not null,
  table_name text not null,
  row_id uuid not null,
  server_version bigint not null,
  created_at timestamptz not null default now(),
  resolved_at timestamptz,
  primary key (user_id, mutation_id)
);
comment on table internal.sync_conflicts is
  'Conflicts of manual-strategy tables a device still has to resolve: pending until that device''s next applied mutation of the row.';
create index sync_conflicts_pending_idx on internal.sync_conflicts (user_id, app_id, device_id) where resolved_at is null;

revoke all on internal.sync_devices, internal.sync_conflicts from public, anon, authenticated, service_role;
grant select on internal.sync_devices, internal.sync_conflicts to service_role;

create or replace function public.sync_touch_device(p_app_id public.app_id, p_device_id text, p_pulled_through bigint default null)
returns void
language sql
security definer
set search_path = ''
as $$
  insert into internal.sync_devices as d (user_id, app_id, device_id, last_pull_cursor, last_pull_at, last_push_at)
  values (auth.uid(), p_app_id, p_device_id, p_pulled_through,
          case when p_pulled_through is not null then now() end,
          case when p_pulled_through is null then now() end)
  on conflict (user_id, app_id, device_id) do update
     set last_pull_cursor = coalesce(excluded.last_pull_cursor, d.last_pull_cursor),
         last_pull_at = coalesce(excluded.last_pull_at, d.last_pull_at),
         last_push_at = coalesce(excluded.last_push_at, d.last_push_at)
$$;
comment on function public.sync_touch_device(public.app_id, text, bigint) is
  'Records that the caller''s device pulled (with the cursor it was given) or, without a cursor, pushed. Security definer: the table is server-only.';
revoke execute on function public.sync_touch_device(public.app_id, text, bigint) from public, anon;
grant execute on function public.sync_touch_device(public.app_id, text, bigint) to authenticated;

-- Replaces part 2's version: also keeps the manual conflicts a device has to resolve.
create or replace function internal.sync_record_mutation(p_mutation_id uuid, p_device_id text, p_table text, p_result jsonb) returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row_id uuid := coalesce(p_result -> 'row' ->> 'id', p_result -> 'server_row' ->> 'id')::uuid;
begin
  insert into internal.sync_mutations (user_id, mutation_id, device_id, table_name, result)
  values (auth.uid(), p_mutation_id, p_device_id, p_table, p_result)
  on conflict (user_id, mutation_id) do nothing;
  if v_row_id is null then
    return;
  end if;
  -- Whatever this device now did with the row supersedes its earlier conflicts on it.
  update internal.sync_conflicts c set resolved_at = now()
   where c.user_id = auth.uid() and c.device_id = p_device_id and c.table_name = p_table and c.row_id = v_row_id and c.resolved_at is null;
  if p_result ->> 'resolution' = 'resolve_on_client' then
    insert into internal.sync_conflicts (user_id, mutation_id, app_id, device_id, table_name, row_id, server_version)
    select auth.uid(), p_mutation_id, t.app_id, p_device_id, p_table, v_row_id, (p_result -> 'server_row' ->> 'version')::bigint
      from internal.sync_tables t where t.table_name = p_table
    on conflict (user_id, mutation_id) do nothing;
  end if;
end
$$;
comment on function internal.sync_record_mutation(uuid, text, text, jsonb) is
  'Stores a mutation''s outcome for the caller, opens a pending conflict for a manual-strategy conflict and closes the device''s earlier ones on the same row.';

create or replace function public.sync_status(p_app_id public.app_id)
returns table (device_id text, last_pull_cursor bigint, last_pull_at timestamptz, last_push_at timestamptz, server_version bigint, pending_conflicts jsonb)
language sql
stable
security definer
set search_path = ''
as $$
  select d.device_id, d.last_pull_cursor, d.last_pull_at, d.last_push_at,
         coalesce((select c.version from internal.sync_clocks c where c.user_id = d.user_id), 0),
         coalesce((select jsonb_agg(jsonb_build_object('mutation_id', x.mutation_id, 'table', x.table_name, 'row_id', x.row_id,
                                                       'server_version', x.server_version::text, 'created_at', x.created_at) order by x.created_at)
                     from internal.sync_conflicts x
                    where x.user_id = d.user_id and x.app_id = d.app_id and x.device_id = d.device_id and x.resolved_at is null), '[]'::jsonb)
    from internal.sync_devices d
   where d.user_id = auth.uid() and d.app_id = p_app_id
   order by greatest(d.last_pull_at, d.last_push_at) desc nulls last, d.device_id
$$;
comment on function public.sync_status(public.app_id) is
  'The caller''s devices for an app: last pull cursor and time, last push, the server''s current version, pending manual conflicts.';
revoke execute on function public.sync_status(public.app_id) from public, anon;
grant execute on function public.sync_status(public.app_id) to authenticated;

-- Import ----------------------------------------------------------------------------------------------------

create table internal.sync_imports (
  user_id uuid not null references auth.users (id) on delete cascade,
  app_id public.app_id not null,
  source text not null,
  batch_no integer not null check (batch_no >= 1),
  -- What the batch carried: the same batch_no with other rows is a client bug, not a retry.
  rows_digest text not null,
  imported integer not null,
  skipped integer not null,
  rejected integer not null,
  report jsonb not null,
  created_at timestamptz not null default now(),
  primary key (user_id, app_id, source, batch_no)
);
comment on table internal.sync_imports is 'Batches of one-time local-data imports, each applied once, with their per-row report (returned again on a retry).';
revoke all on internal.sync_imports from public, anon, authenticated, service_role;
grant select on internal.sync_imports to service_role;

create or replace function public.sync_import_begin(p_app_id public.app_id, p_source text, p_batch_no integer, p_digest text)
returns jsonb
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_done internal.sync_imports;
begin
  -- Two sends of one batch (a retry racing the original) take turns; the second finds the first's record.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(format('sync-import:%s:%s:%s:%s', auth.uid(), p_app_id, p_source, p_batch_no), 0));
  select * into v_done from internal.sync_imports i
   where i.user_id = auth.uid() and i.app_id = p_app_id and i.source = p_source and i.batch_no = p_batch_no;
  if not found then
    return null;
  end if;
  if v_done.rows_digest <> p_digest then
    raise exception using errcode = 'P0001', message = 'CONFLICT',
      detail = format('Batch %s of %s was already imported with other rows; send new rows under a new batch_no.', p_batch_no, p_source);
  end if;
  return v_done.report;
end
$$;
comment on function public.sync_import_begin(public.app_id, text, integer, text) is
  'Starts importing a batch: serialises sends of the same batch and returns the stored report when it was imported before (null otherwise).';
revoke execute on function public.sync_import_begin(public.app_id, text, integer, text) from public, anon;
grant execute on function public.sync_import_begin(public.app_id, text, integer, text) to authenticated;

create or replace function public.sync_import_finish(p_app_id public.app_id, p_source text, p_batch_no integer, p_digest text, p_report jsonb)
returns void
language sql
security definer
set search_path = ''
as $$
  insert into internal.sync_imports (user_id, app_id, source, batch_no, rows_digest, imported, skipped, rejected, report)
  select auth.uid(), p_app_id, p_source, p_batch_no, p_digest,
         count(*) filter (where r ->> 'status' = 'imported'),
         count(*) filter (where r ->> 'status' = 'skipped'),
         count(*) filter (where r ->> 'status' = 'rejected'),
         p_report
    from jsonb_array_elements(p_report) r
$$;
comment on function public.sync_import_finish(public.app_id, text, integer, text, jsonb) is
  'Records an imported batch and its per-row report, in the same transaction as its rows.';
revoke execute on function public.sync_import_finish(public.app_id, text, integer, text, jsonb) from public, anon;
grant execute on function public.sync_import_finish(public.app_id, text, integer, text, jsonb) to authenticated;

create or replace function public.sync_import_batches(p_app_id public.app_id, p_source text)
returns table (batch_no integer, imported integer, skipped integer, rejected integer, created_at timestamptz)
language sql
stable
security definer
set search_path = ''
as $$
  select i.batch_no, i.imported, i.skipped, i.rejected, i.created_at from internal.sync_imports i
   where i.user_id = auth.uid() and i.app_id = p_app_id and i.source = p_source
   order by i.batch_no
$$;
comment on function public.sync_import_batches(public.app_id, text) is 'The batches of an import the caller has completed: where to resume.';
revoke execute on function public.sync_import_batches(public.app_id, text) from public, anon;
grant execute on function public.sync_import_batches(public.app_id, text) to authenticated;

create or replace function public.sync_import_row(p_app_id public.app_id, p_table text, p_row jsonb) returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_id uuid;
  v_cols text;
  v_version bigint;
begin
  if not exists (select 1 from internal.sync_tables t where t.table_name = p_table and t.app_id = p_app_id) then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = format('%s is not a syncable table of %s', p_table, p_app_id);
  end if;
  v_id := (p_row ->> 'id')::uuid;
  if v_id is null then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = 'row.id (a uuid) is required';
  end if;
  if p_row ? 'user_id' and (p_row ->> 'user_id') is distinct from auth.uid()::text then
    raise exception using errcode = 'P0001', message = 'FORBIDDEN', detail = 'rows belong to the signed-in user';
  end if;
  select string_agg(format('%I', a.attname), ', ') into v_cols
    from pg_catalog.pg_attribute a
   where a.attrelid = p_table::regclass and a.attnum > 0 and not a.attisdropped
     and (p_row ? a.attname::text or a.attname = 'user_id') and a.attname <> 'version';
  begin
    -- Insert only: what is already in the cloud (an earlier import, an edit since) is newer than the phone's copy.
    execute format('insert into %s (%s) select %s from jsonb_populate_record(null::%s, $1) returning version', p_table, v_cols, v_cols, p_table)
      into v_version using (p_row - 'version') || jsonb_build_object('user_id', auth.uid());
    return jsonb_build_object('status', 'imported', 'id', v_id, 'version', v_version::text);
  exception when unique_violation then
    execute format('select t.version from %s t where t.id = $1', p_table) into v_version using v_id;
    if v_version is null then
      -- Taken by a row the caller cannot see.
      raise exception using errcode = 'P0001', message = 'CONFLICT', detail = 'this id is already used by another record';
    end if;
    return jsonb_build_object('status', 'skipped', 'id', v_id, 'version', v_version::text, 'reason', 'already in the cloud');
  end;
end
$$;
comment on function public.sync_import_row(public.app_id, text, jsonb) is
  'Imports one local row as the caller (RLS in force): inserted with a new version, or skipped when its id is already in the cloud.';
revoke execute on function public.sync_import_row(public.app_id, text, jsonb) from public, anon;
grant execute on function public.sync_import_row(public.app_id, text, jsonb) to authenticated;

-- Tombstone horizon ----------------------------------------------------------------------------------------

create table internal.sync_settings (
  singleton boolean primary key default true check (singleton),
  tombstone_horizon interval not null default '90 days' check (tombstone_horizon >= interval '1 day')
);
comment on table internal.sync_settings is
  'Sync settings (one row; edit it in Studio): how long tombstones are kept. A device offline longer than this re-pulls from scratch.';
insert into internal.sync_settings default values;
revoke all on internal.sync_settings from public, anon, authenticated, service_role;
grant select on internal.sync_settings to service_role;

create or replace function internal.purge_expired_sync_tombstones() returns bigint
language sql
security definer
set search_path = ''
as $$ select internal.purge_sync_tombstones((select s.tombstone_horizon from internal.sync_settings s)) $$;
comment on function internal.purge_expired_sync_tombstones() is 'Purges the tombstones older than the configured horizon (internal.sync_settings).';
revoke execute on function internal.purge_expired_sync_tombstones() from public;

-- Purges look tombstones up by age.
create index sync_samples_deleted_at_idx on public.sync_samples (deleted_at) where deleted_at is not null;
create index sync_samples_lww_deleted_at_idx on public.sync_samples_lww (deleted_at) where deleted_at is not null;

create or replace function internal.enable_sync(p_table regclass, p_app_id public.app_id, p_strategy text default 'server_wins')
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_name text := p_table::text;
  v_missing text;
  v_index text := replace(p_table::text, '.', '_');
begin
  select string_agg(col, ', ') into v_missing
    from unnest(array['id', 'user_id', 'updated_at', 'version', 'deleted_at']) col
   where not exists (select 1 from pg_catalog.pg_attribute a where a.attrelid = p_table and a.attname = col and not a.attisdropped);
  if v_missing is not null then
    raise exception using errcode = '22023', message = format('%s cannot sync: missing column(s) %s', v_name, v_missing);
  end if;
  insert into internal.sync_tables (table_name, app_id, strategy) values (v_name, p_app_id, p_strategy)
  on conflict (table_name) do update set app_id = excluded.app_id, strategy = excluded.strategy;
  execute format('drop trigger if exists sync_stamp on %s', v_name);
  execute format('create trigger sync_stamp before insert or update on %s for each row execute function internal.sync_stamp()', v_name);
  execute format('create index if not exists %I on %s (user_id, version)', v_index || '_sync_idx', v_name);
  execute format('create index if not exists %I on %s (deleted_at) where deleted_at is not null', v_index || '_deleted_at_idx', v_name);
end
$$;
comment on function internal.enable_sync(regclass, public.app_id, text) is
  'Opts a table into sync: it needs id (client uuid), user_id, updated_at, version and deleted_at. Installs the version trigger, the (user_id, version) index and the tombstone index, records the conflict strategy.';

-- Daily, at a quiet hour (UTC): tombstones past the horizon go.
select cron.schedule('purge-sync-tombstones', '17 19 * * *', 'select internal.purge_expired_sync_tombstones()');

-- Samples for the last two strategies, so each strategy has its own table to test against.
do $$
declare
  v record;
begin
  for v in select * from (values ('sync_samples_client', 'client_wins'), ('sync_samples_manual', 'manual')) s (name, strategy) loop
    execute format('create table public.%I (like public.sync_samples including defaults including constraints)', v.name);
    execute format('alter table public.%I add primary key (id), add foreign key (user_id) references auth.users (id) on delete cascade', v.name);
    execute format('comment on table public.%I is %L', v.name, format('A sample syncable table with the %s strategy (tests only).', v.strategy));
    execute format('alter table public.%I enable row level security', v.name);
    execute format('revoke all on public.%I from anon, authenticated, service_role', v.name);
    execute format('grant select, insert (id, user_id, title, done, updated_at, deleted_at), update (title, done, updated_at, deleted_at) on public.%I to authenticated', v.name);
    execute format('grant select on public.%I to service_role', v.name);
    execute format('create policy "users can read own samples" on public.%I for select to authenticated using (user_id = (select auth.uid()))', v.name);
    execute format('create policy "users can add own samples" on public.%I for insert to authenticated with check (user_id = (select auth.uid()))', v.name);
    execute format('create policy "users can change own samples" on public.%I for update to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()))', v.name);
    execute format('create policy "service role can read samples" on public.%I for select to service_role using (true)', v.name);
    perform internal.enable_sync(format('public.%I', v.name)::regclass, 'coach', v.strategy);
  end loop;
end
$$;
