-- Sync: the version clock, push/pull, conflicts, devices, imports and the sample tables each conflict strategy is
-- tested on.
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create type internal.sync_change as (
	table_name text,
	version bigint,
	deleted boolean,
	row_data jsonb
);

comment on type internal.sync_change is 'One change a pull returns: the table, the row''s version, whether it is a tombstone, the row.';

create function internal.enable_sync(p_table regclass, p_app_id public.app_id, p_strategy text default 'server_wins'::text) returns void
    language plpgsql
    set search_path to ''
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

comment on function internal.enable_sync(p_table regclass, p_app_id public.app_id, p_strategy text) is 'Opts a table into sync: it needs id (client uuid), user_id, updated_at, version and deleted_at. Installs the version trigger, the (user_id, version) index and the tombstone index, records the conflict strategy.';

revoke all on function internal.enable_sync(p_table regclass, p_app_id public.app_id, p_strategy text) from public;

create function internal.idempotent_row(p_table regclass, p_user_id uuid, p_idempotency_key text, p_request jsonb) returns jsonb
    language plpgsql stable
    set search_path to ''
    as $_$
declare
  v_row jsonb;
begin
  execute format('select to_jsonb(t) from %s t where t.user_id = $1 and t.idempotency_key = $2', p_table)
     into v_row using p_user_id, p_idempotency_key;
  if v_row is not null and not v_row @> p_request then
    raise exception using errcode = 'P0001', message = 'IDEMPOTENCY_CONFLICT',
      detail = 'This Idempotency-Key was used for another request; send a new key with a new request.';
  end if;
  return v_row;
end
$_$;

comment on function internal.idempotent_row(p_table regclass, p_user_id uuid, p_idempotency_key text, p_request jsonb) is 'The row (as jsonb; null: none) that a user''s Idempotency-Key already made in a table with user_id and idempotency_key columns, when it holds the request''s values (p_request, by containment); otherwise IDEMPOTENCY_CONFLICT.';

revoke all on function internal.idempotent_row(p_table regclass, p_user_id uuid, p_idempotency_key text, p_request jsonb) from public;

create function internal.purge_expired_sync_tombstones() returns bigint
    language sql security definer
    set search_path to ''
    as $$ select internal.purge_sync_tombstones((select s.tombstone_horizon from internal.sync_settings s)) $$;

comment on function internal.purge_expired_sync_tombstones() is 'Purges the tombstones older than the configured horizon (internal.sync_settings).';

revoke all on function internal.purge_expired_sync_tombstones() from public;

create function internal.purge_sync_tombstones(p_older_than interval) returns bigint
    language plpgsql security definer
    set search_path to ''
    as $_$
declare
  v_table text;
  v_total bigint := 0;
  v_count bigint;
begin
  for v_table in select table_name from internal.sync_tables loop
    execute format(
      'with gone as (delete from %s where deleted_at < now() - $1 returning user_id, version)
       , marks as (select user_id, max(version) as v from gone group by user_id)
       update internal.sync_clocks c set purged_through = greatest(c.purged_through, m.v) from marks m where c.user_id = m.user_id', v_table)
      using p_older_than;
    get diagnostics v_count = row_count;
    v_total := v_total + v_count;
  end loop;
  return v_total;
end
$_$;

comment on function internal.purge_sync_tombstones(p_older_than interval) is 'Deletes tombstones older than the horizon and moves each affected user''s purged_through mark; returns how many users were marked.';

revoke all on function internal.purge_sync_tombstones(p_older_than interval) from public;

create function internal.rate_limit_sync(p_keys text[], p_capacities integer[], p_window_seconds integer[], p_spent integer[]) returns table(bucket text, level double precision)
    language plpgsql
    set search_path to ''
    as $$
begin
  if cardinality(p_keys) is distinct from cardinality(p_capacities)
     or cardinality(p_keys) is distinct from cardinality(p_window_seconds)
     or cardinality(p_keys) is distinct from cardinality(p_spent) then
    raise exception using errcode = '22023', message = 'rate_limit_sync: arrays differ in length';
  end if;
  if exists (select from unnest(p_spent) s where s < 0 or s is null) then
    raise exception using errcode = '22023', message = 'rate_limit_sync: a spend is negative';
  end if;

  insert into internal.rate_limit_buckets (key, tokens, updated_at, capacity, window_seconds)
  select distinct on (w.key) w.key, w.capacity, now(), w.capacity, w.window_seconds
    from unnest(p_keys, p_capacities, p_window_seconds) as w (key, capacity, window_seconds)
  on conflict (key) do nothing;

  -- The row locks serialise instances syncing the same bucket.
  return query
  update internal.rate_limit_buckets as b set
    tokens = greatest(-w.capacity,
                      least(w.capacity, b.tokens + greatest(0, extract(epoch from now() - b.updated_at)) * w.capacity / w.window_seconds)
                      - w.spent),
    updated_at = now(), capacity = w.capacity, window_seconds = w.window_seconds
  from (select u.key, max(u.capacity) as capacity, max(u.window_seconds) as window_seconds, sum(u.spent)::integer as spent
          from unnest(p_keys, p_capacities, p_window_seconds, p_spent) as u (key, capacity, window_seconds, spent)
         group by u.key) as w
  where b.key = w.key
  returning b.key, b.tokens;
end
$$;

comment on function internal.rate_limit_sync(p_keys text[], p_capacities integer[], p_window_seconds integer[], p_spent integer[]) is 'Spends the tokens a functions instance granted since its last sync and returns every named bucket''s level (refilled to now, after the spend; below zero is debt).';

revoke all on function internal.rate_limit_sync(p_keys text[], p_capacities integer[], p_window_seconds integer[], p_spent integer[]) from public;
grant all on function internal.rate_limit_sync(p_keys text[], p_capacities integer[], p_window_seconds integer[], p_spent integer[]) to service_role;

create function internal.sync_mutation_outcome(p_mutation_id uuid) returns jsonb
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(format('sync-push:%s:%s', auth.uid(), p_mutation_id), 0));
  -- A statement of its own, so it reads what a push that held the lock before us committed.
  return (select m.result from internal.sync_mutations m where m.user_id = auth.uid() and m.mutation_id = p_mutation_id);
end
$$;

comment on function internal.sync_mutation_outcome(p_mutation_id uuid) is 'The stored outcome of one of the caller''s mutations (null: not pushed yet), once no other push of it is in flight: takes a transaction lock on the mutation id, so concurrent pushes of one mutation apply it once. Security definer: sync_mutations is server-only.';

revoke all on function internal.sync_mutation_outcome(p_mutation_id uuid) from public;
grant all on function internal.sync_mutation_outcome(p_mutation_id uuid) to authenticated;

create function internal.sync_purged_through() returns bigint
    language sql stable security definer
    set search_path to ''
    as $$ select coalesce((select c.purged_through from internal.sync_clocks c where c.user_id = auth.uid()), 0) $$;

comment on function internal.sync_purged_through() is 'The caller''s tombstone purge mark. Security definer: the clocks table stays closed to clients.';

revoke all on function internal.sync_purged_through() from public;
grant all on function internal.sync_purged_through() to authenticated;
grant all on function internal.sync_purged_through() to service_role;

create function internal.sync_record_mutation(p_mutation_id uuid, p_device_id text, p_table text, p_result jsonb) returns void
    language plpgsql security definer
    set search_path to ''
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

comment on function internal.sync_record_mutation(p_mutation_id uuid, p_device_id text, p_table text, p_result jsonb) is 'Stores a mutation''s outcome for the caller, opens a pending conflict for a manual-strategy conflict and closes the device''s earlier ones on the same row.';

revoke all on function internal.sync_record_mutation(p_mutation_id uuid, p_device_id text, p_table text, p_result jsonb) from public;
grant all on function internal.sync_record_mutation(p_mutation_id uuid, p_device_id text, p_table text, p_result jsonb) to authenticated;

create function internal.sync_row_columns(p_table regclass, p_row jsonb, p_privilege text, out writable text, out ignored text[], out report jsonb) returns record
    language plpgsql stable
    set search_path to ''
    as $$
begin
  -- id, user_id and version have rules of their own (the key, the caller, the server's clock): never written by
  -- an update, never reported as ignored.
  select string_agg(format('%I', a.attname), ', ' order by a.attnum)
           filter (where a.writable and a.attname <> 'version' and (p_privilege = 'INSERT' or a.attname not in ('id', 'user_id'))),
         coalesce(array_agg(a.attname::text order by a.attnum) filter (where not a.writable and a.attname not in ('id', 'user_id', 'version')), '{}')
    into writable, ignored
    from (select c.attname, c.attnum, pg_catalog.has_column_privilege(p_table, c.attnum, p_privilege) as writable
            from pg_catalog.pg_attribute c
           where c.attrelid = p_table and c.attnum > 0 and not c.attisdropped and p_row ? c.attname::text) a;
  -- What the outcome adds: the ignored columns, when there are any.
  report := case when cardinality(ignored) > 0 then jsonb_build_object('ignored', ignored) else '{}'::jsonb end;
end
$$;

comment on function internal.sync_row_columns(p_table regclass, p_row jsonb, p_privilege text, out writable text, out ignored text[], out report jsonb) is 'The columns of a pushed or imported row the caller may write with the privilege (INSERT or UPDATE), as a quoted list, the ones it carried that the server owns (ignored), and what an outcome reports of them. Invoker: the caller''s own column grants decide.';

revoke all on function internal.sync_row_columns(p_table regclass, p_row jsonb, p_privilege text, out writable text, out ignored text[], out report jsonb) from public;
grant all on function internal.sync_row_columns(p_table regclass, p_row jsonb, p_privilege text, out writable text, out ignored text[], out report jsonb) to authenticated;

create function internal.sync_require_insert(p_table regclass) returns void
    language plpgsql stable
    set search_path to ''
    as $$
begin
  -- A table clients only pull (rows the server writes, such as unlocked achievements) grants them no insert.
  if not pg_catalog.has_table_privilege(p_table, 'INSERT')
     and not pg_catalog.has_any_column_privilege(p_table, 'INSERT') then
    raise exception using errcode = 'P0001', message = 'FORBIDDEN', detail = format('%s is written by the server only', p_table);
  end if;
end
$$;

comment on function internal.sync_require_insert(p_table regclass) is 'Refuses (FORBIDDEN) a pushed or imported new row of a syncable table the caller may not insert into: such tables are pulled only. Invoker: the caller''s grants decide.';

revoke all on function internal.sync_require_insert(p_table regclass) from public;
grant all on function internal.sync_require_insert(p_table regclass) to authenticated;
grant all on function internal.sync_require_insert(p_table regclass) to service_role;

create function internal.sync_row_id(p_row jsonb) returns uuid
    language plpgsql stable
    set search_path to ''
    as $$
begin
  if (p_row ->> 'id') is null then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = 'row.id (a uuid) is required';
  end if;
  if p_row ? 'user_id' and (p_row ->> 'user_id') is distinct from auth.uid()::text then
    raise exception using errcode = 'P0001', message = 'FORBIDDEN', detail = 'rows belong to the signed-in user';
  end if;
  return (p_row ->> 'id')::uuid;
end
$$;

comment on function internal.sync_row_id(p_row jsonb) is 'The id of a pushed or imported row, once it is known to have one and to be the caller''s (or to name no owner).';

revoke all on function internal.sync_row_id(p_row jsonb) from public;
grant all on function internal.sync_row_id(p_row jsonb) to authenticated;

create function internal.sync_stamp() returns trigger
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_version bigint;
begin
  -- The row lock on the owner's clock serialises that user's writers until commit: versions commit in order.
  insert into internal.sync_clocks as c (user_id, version) values (new.user_id, 1)
  on conflict (user_id) do update set version = c.version + 1
  returning version into v_version;
  new.version := v_version;
  if tg_op = 'UPDATE' and new.updated_at is not distinct from old.updated_at then
    new.updated_at := now();
  end if;
  return new;
end
$$;

comment on function internal.sync_stamp() is 'Trigger of syncable tables: assigns the row the next version of its owner''s clock. Security definer: writers have no rights on the clocks.';

revoke all on function internal.sync_stamp() from public;

create function public.sync_history(p_app_id public.app_id, p_before_at timestamp with time zone default null::timestamp with time zone, p_before_id uuid default null::uuid, p_limit integer default 50) returns table(mutation_id uuid, device_id text, table_name text, row_id uuid, op text, status text, version bigint, created_at timestamp with time zone)
    language sql stable security definer
    set search_path to ''
    as $$
  select m.mutation_id, m.device_id, m.table_name,
         coalesce(m.result -> 'row' ->> 'id', m.result -> 'server_row' ->> 'id')::uuid,
         case when coalesce(m.result -> 'row', m.result -> 'server_row') ->> 'deleted_at' is not null
              and m.result ->> 'status' = 'applied' then 'delete' else 'upsert' end,
         m.result ->> 'status', (m.result ->> 'version')::bigint, m.created_at
    from internal.sync_mutations m
    join internal.sync_tables t on t.table_name = m.table_name and t.app_id = p_app_id
   where m.user_id = auth.uid()
     and (p_before_at is null or (m.created_at, m.mutation_id) < (p_before_at, p_before_id))
   order by m.created_at desc, m.mutation_id desc
   limit least(greatest(p_limit, 1), 201)
$$;

comment on function public.sync_history(p_app_id public.app_id, p_before_at timestamp with time zone, p_before_id uuid, p_limit integer) is 'The caller''s pushed mutations of an app''s tables, newest first, paged by (created_at, mutation_id): device, table, row, op, outcome (applied or conflict) and the version it made. Security definer: sync_mutations is server-only; rows are filtered to auth.uid().';

revoke all on function public.sync_history(p_app_id public.app_id, p_before_at timestamp with time zone, p_before_id uuid, p_limit integer) from public;
grant all on function public.sync_history(p_app_id public.app_id, p_before_at timestamp with time zone, p_before_id uuid, p_limit integer) to authenticated;
grant all on function public.sync_history(p_app_id public.app_id, p_before_at timestamp with time zone, p_before_id uuid, p_limit integer) to service_role;

create function public.sync_import_batches(p_app_id public.app_id, p_source text) returns table(batch_no integer, imported integer, skipped integer, rejected integer, created_at timestamp with time zone)
    language sql stable security definer
    set search_path to ''
    as $$
  select i.batch_no, i.imported, i.skipped, i.rejected, i.created_at from internal.sync_imports i
   where i.user_id = auth.uid() and i.app_id = p_app_id and i.source = p_source
   order by i.batch_no
$$;
revoke all on function public.sync_import_batches(public.app_id, text) from anon, authenticated, service_role;

comment on function public.sync_import_batches(p_app_id public.app_id, p_source text) is 'The batches of an import the caller has completed: where to resume.';

revoke all on function public.sync_import_batches(p_app_id public.app_id, p_source text) from public;
grant all on function public.sync_import_batches(p_app_id public.app_id, p_source text) to authenticated;
grant all on function public.sync_import_batches(p_app_id public.app_id, p_source text) to service_role;

create function public.sync_import_begin(p_app_id public.app_id, p_source text, p_batch_no integer, p_digest text) returns jsonb
    language plpgsql security definer
    set search_path to ''
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
revoke all on function public.sync_import_begin(public.app_id, text, integer, text) from anon, authenticated, service_role;

comment on function public.sync_import_begin(p_app_id public.app_id, p_source text, p_batch_no integer, p_digest text) is 'Starts importing a batch: serialises sends of the same batch and returns the stored report when it was imported before (null otherwise).';

revoke all on function public.sync_import_begin(p_app_id public.app_id, p_source text, p_batch_no integer, p_digest text) from public;
grant all on function public.sync_import_begin(p_app_id public.app_id, p_source text, p_batch_no integer, p_digest text) to authenticated;
grant all on function public.sync_import_begin(p_app_id public.app_id, p_source text, p_batch_no integer, p_digest text) to service_role;

create function public.sync_import_finish(p_app_id public.app_id, p_source text, p_batch_no integer, p_digest text, p_report jsonb) returns void
    language sql security definer
    set search_path to ''
    as $$
  insert into internal.sync_imports (user_id, app_id, source, batch_no, rows_digest, imported, skipped, rejected, report)
  select auth.uid(), p_app_id, p_source, p_batch_no, p_digest,
         count(*) filter (where r ->> 'status' = 'imported'),
         count(*) filter (where r ->> 'status' = 'skipped'),
         count(*) filter (where r ->> 'status' = 'rejected'),
         p_report
    from jsonb_array_elements(p_report) r
$$;
revoke all on function public.sync_import_finish(public.app_id, text, integer, text, jsonb) from anon, authenticated, service_role;

comment on function public.sync_import_finish(p_app_id public.app_id, p_source text, p_batch_no integer, p_digest text, p_report jsonb) is 'Records an imported batch and its per-row report, in the same transaction as its rows.';

revoke all on function public.sync_import_finish(p_app_id public.app_id, p_source text, p_batch_no integer, p_digest text, p_report jsonb) from public;
grant all on function public.sync_import_finish(p_app_id public.app_id, p_source text, p_batch_no integer, p_digest text, p_report jsonb) to authenticated;
grant all on function public.sync_import_finish(p_app_id public.app_id, p_source text, p_batch_no integer, p_digest text, p_report jsonb) to service_role;

create function public.sync_import_row(p_app_id public.app_id, p_table text, p_row jsonb) returns jsonb
    language plpgsql
    set search_path to ''
    as $_$
declare
  v_id uuid;
  v_row jsonb;
  v_write record;
  v_version bigint;
begin
  if not exists (select 1 from internal.sync_tables t where t.table_name = p_table and t.app_id = p_app_id) then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = format('%s is not a syncable table of %s', p_table, p_app_id);
  end if;
  v_id := internal.sync_row_id(p_row);
  v_row := (p_row - 'version') || jsonb_build_object('user_id', auth.uid());
  v_write := internal.sync_row_columns(p_table::regclass, v_row, 'INSERT');
  perform internal.sync_require_insert(p_table::regclass);
  begin
    -- Insert only: what is already in the cloud (an earlier import, an edit since) is newer than the phone's copy.
    execute format('insert into %s (%s) select %s from jsonb_populate_record(null::%s, $1) returning version', p_table, v_write.writable, v_write.writable, p_table)
      into v_version using v_row - v_write.ignored;
    return jsonb_build_object('status', 'imported', 'id', v_id, 'version', v_version::text) || v_write.report;
  exception when unique_violation then
    execute format('select t.version from %s t where t.id = $1', p_table) into v_version using v_id;
    if v_version is null then
      -- Taken by a row the caller cannot see.
      raise exception using errcode = 'P0001', message = 'CONFLICT', detail = 'this id is already used by another record';
    end if;
    return jsonb_build_object('status', 'skipped', 'id', v_id, 'version', v_version::text, 'reason', 'already in the cloud');
  end;
end
$_$;
revoke all on function public.sync_import_row(public.app_id, text, jsonb) from anon, authenticated, service_role;

comment on function public.sync_import_row(p_app_id public.app_id, p_table text, p_row jsonb) is 'Imports one local row as the caller (RLS in force): inserted with a new version (columns the caller may not write are left to the server and listed as ignored), or skipped when its id is already in the cloud.';

revoke all on function public.sync_import_row(p_app_id public.app_id, p_table text, p_row jsonb) from public;
grant all on function public.sync_import_row(p_app_id public.app_id, p_table text, p_row jsonb) to authenticated;
grant all on function public.sync_import_row(p_app_id public.app_id, p_table text, p_row jsonb) to service_role;

create function public.sync_pull(p_app_id public.app_id, p_cursor bigint, p_tables text[] default null::text[], p_limit integer default 500) returns setof internal.sync_change
    language plpgsql stable
    set search_path to ''
    as $_$
declare
  v_purged bigint;
  v_sql text;
  v_user uuid := auth.uid();
begin
  v_purged := internal.sync_purged_through();
  if p_cursor > 0 and p_cursor < v_purged then
    raise exception using errcode = 'P0001', message = 'RESYNC_REQUIRED',
      detail = 'Changes older than your cursor were purged; pull again from cursor 0.';
  end if;
  -- Each table contributes at most a page, in version order, so a large history is not read to return one page.
  select string_agg(format(
           '(select %L::text, t.version, t.deleted_at is not null, to_jsonb(t) from %s t where t.user_id = $3 and t.version > $1 order by t.version limit $2)',
           t.table_name, t.table_name), ' union all ')
    into v_sql
    from internal.sync_tables t
   where t.app_id = p_app_id and (p_tables is null or t.table_name = any (p_tables));
  if v_sql is null then
    return;
  end if;
  return query execute format('select * from (%s) changes order by 2 limit $2', v_sql) using p_cursor, p_limit, v_user;
end
$_$;
revoke all on function public.sync_pull(public.app_id, bigint, text[], integer) from anon, authenticated, service_role;

comment on function public.sync_pull(p_app_id public.app_id, p_cursor bigint, p_tables text[], p_limit integer) is 'The caller''s changes (rows and tombstones) of the app''s syncable tables after a cursor (a version), in version order. Raises RESYNC_REQUIRED when the cursor predates purged tombstones.';

revoke all on function public.sync_pull(p_app_id public.app_id, p_cursor bigint, p_tables text[], p_limit integer) from public;
grant all on function public.sync_pull(p_app_id public.app_id, p_cursor bigint, p_tables text[], p_limit integer) to authenticated;
grant all on function public.sync_pull(p_app_id public.app_id, p_cursor bigint, p_tables text[], p_limit integer) to service_role;

create function public.sync_push_mutation(p_app_id public.app_id, p_device_id text, p_mutation_id uuid, p_table text, p_op text, p_row jsonb, p_base_version bigint) returns jsonb
    language plpgsql
    set search_path to ''
    as $_$
declare
  v_strategy text;
  v_current jsonb;
  v_id uuid;
  v_row jsonb;
  v_result jsonb;
  v_apply boolean := true;
  v_write record;
begin
  v_result := internal.sync_mutation_outcome(p_mutation_id);
  if v_result is not null then
    return v_result || jsonb_build_object('replayed', true);
  end if;
  select t.strategy into v_strategy from internal.sync_tables t where t.table_name = p_table and t.app_id = p_app_id;
  if v_strategy is null then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = format('%s is not a syncable table of %s', p_table, p_app_id);
  end if;
  if p_op not in ('upsert', 'delete') then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = 'op must be upsert or delete';
  end if;
  v_id := internal.sync_row_id(p_row);
  v_row := (p_row - 'version' - 'user_id') || jsonb_build_object('user_id', auth.uid());
  if p_op = 'delete' then
    v_row := jsonb_build_object('id', v_id, 'user_id', auth.uid(), 'deleted_at', coalesce(p_row ->> 'deleted_at', now()::text));
  end if;

  execute format('select to_jsonb(t) from %s t where t.id = $1 for update', p_table) into v_current using v_id;
  if v_current is not null and (v_current ->> 'user_id') is distinct from auth.uid()::text then
    raise exception using errcode = 'P0001', message = 'FORBIDDEN', detail = 'this row belongs to someone else';
  end if;
  if v_current is not null and (v_current ->> 'version')::bigint > coalesce(p_base_version, 0) then
    -- Changed on the server since the client last saw it: the table's strategy decides.
    if v_strategy in ('server_wins', 'manual') then
      v_apply := false;
    elsif v_strategy = 'last_write_wins' then
      v_apply := coalesce((v_row ->> 'updated_at')::timestamptz, '-infinity') > (v_current ->> 'updated_at')::timestamptz;
    end if;
  end if;

  if v_apply then
    -- What the client may write: the columns it sent that the caller's grants allow; the rest is the server's.
    v_write := internal.sync_row_columns(p_table::regclass, v_row, case when v_current is null then 'INSERT' else 'UPDATE' end);
    v_row := v_row - v_write.ignored;
    if v_current is null then
      perform internal.sync_require_insert(p_table::regclass);
      execute format('insert into %s (%s) select %s from jsonb_populate_record(null::%s, $1) returning to_jsonb(%s.*)',
                     p_table, v_write.writable, v_write.writable, p_table, p_table) into v_current using v_row;
    else
      if v_write.writable is null then
        raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED',
          detail = format('the row changes no column a client may write (ignored: %s)', coalesce(nullif(array_to_string(v_write.ignored, ', '), ''), 'none'));
      end if;
      execute format('update %s t set (%s) = (select %s from jsonb_populate_record(null::%s, $1)) where t.id = $2 returning to_jsonb(t.*)',
                     p_table, v_write.writable, v_write.writable, p_table) into v_current using v_row, v_id;
    end if;
    v_result := jsonb_build_object('mutation_id', p_mutation_id, 'status', 'applied', 'version', (v_current ->> 'version')::bigint, 'row', v_current)
                || v_write.report;
  else
    v_result := jsonb_build_object('mutation_id', p_mutation_id, 'status', 'conflict', 'strategy', v_strategy,
                                   'resolution', case when v_strategy = 'manual' then 'resolve_on_client' else 'server_kept' end,
                                   'server_row', v_current);
  end if;
  perform internal.sync_record_mutation(p_mutation_id, p_device_id, p_table, v_result);
  return v_result;
end
$_$;
revoke all on function public.sync_push_mutation(public.app_id, text, uuid, text, text, jsonb, bigint) from anon, authenticated, service_role;

comment on function public.sync_push_mutation(p_app_id public.app_id, p_device_id text, p_mutation_id uuid, p_table text, p_op text, p_row jsonb, p_base_version bigint) is 'Applies one pushed mutation as the caller (RLS in force) by the table''s conflict strategy, once per mutation_id: applied (new version; columns the caller may not write are left to the server and listed as ignored), or conflict (server row and resolution).';

revoke all on function public.sync_push_mutation(p_app_id public.app_id, p_device_id text, p_mutation_id uuid, p_table text, p_op text, p_row jsonb, p_base_version bigint) from public;
grant all on function public.sync_push_mutation(p_app_id public.app_id, p_device_id text, p_mutation_id uuid, p_table text, p_op text, p_row jsonb, p_base_version bigint) to authenticated;
grant all on function public.sync_push_mutation(p_app_id public.app_id, p_device_id text, p_mutation_id uuid, p_table text, p_op text, p_row jsonb, p_base_version bigint) to service_role;

create function public.sync_status(p_app_id public.app_id) returns table(device_id text, last_pull_cursor bigint, last_pull_at timestamp with time zone, last_push_at timestamp with time zone, server_version bigint, pending_conflicts jsonb)
    language sql stable security definer
    set search_path to ''
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
revoke all on function public.sync_status(public.app_id) from anon, authenticated, service_role;

comment on function public.sync_status(p_app_id public.app_id) is 'The caller''s devices for an app: last pull cursor and time, last push, the server''s current version, pending manual conflicts.';

revoke all on function public.sync_status(p_app_id public.app_id) from public;
grant all on function public.sync_status(p_app_id public.app_id) to authenticated;
grant all on function public.sync_status(p_app_id public.app_id) to service_role;

create function public.sync_touch_device(p_app_id public.app_id, p_device_id text, p_pulled_through bigint default null::bigint) returns void
    language sql security definer
    set search_path to ''
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
revoke all on function public.sync_touch_device(public.app_id, text, bigint) from anon, authenticated, service_role;

comment on function public.sync_touch_device(p_app_id public.app_id, p_device_id text, p_pulled_through bigint) is 'Records that the caller''s device pulled (with the cursor it was given) or, without a cursor, pushed. Security definer: the table is server-only.';

revoke all on function public.sync_touch_device(p_app_id public.app_id, p_device_id text, p_pulled_through bigint) from public;
grant all on function public.sync_touch_device(p_app_id public.app_id, p_device_id text, p_pulled_through bigint) to authenticated;
grant all on function public.sync_touch_device(p_app_id public.app_id, p_device_id text, p_pulled_through bigint) to service_role;

-- internal.sync_clocks ----------------------------------------------------------------------------------------------

create table internal.sync_clocks (
    user_id uuid not null,
    version bigint default 0 not null,
    purged_through bigint default 0 not null
);

comment on table internal.sync_clocks is 'Per-user version clock of syncable rows, and the version up to which tombstones were purged.';

alter table only internal.sync_clocks
    add constraint sync_clocks_pkey primary key (user_id);

alter table only internal.sync_clocks
    add constraint sync_clocks_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

grant select on table internal.sync_clocks to service_role;

-- internal.sync_conflicts -------------------------------------------------------------------------------------------

create table internal.sync_conflicts (
    user_id uuid not null,
    mutation_id uuid not null,
    app_id public.app_id not null,
    device_id text not null,
    table_name text not null,
    row_id uuid not null,
    server_version bigint not null,
    created_at timestamp with time zone default now() not null,
    resolved_at timestamp with time zone
);

comment on table internal.sync_conflicts is 'Conflicts of manual-strategy tables a device still has to resolve: pending until that device''s next applied mutation of the row.';

alter table only internal.sync_conflicts
    add constraint sync_conflicts_pkey primary key (user_id, mutation_id);

create index sync_conflicts_pending_idx on internal.sync_conflicts using btree (user_id, app_id, device_id) where (resolved_at is null);

alter table only internal.sync_conflicts
    add constraint sync_conflicts_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

grant select on table internal.sync_conflicts to service_role;

-- internal.sync_devices ---------------------------------------------------------------------------------------------

create table internal.sync_devices (
    user_id uuid not null,
    app_id public.app_id not null,
    device_id text not null,
    last_pull_cursor bigint,
    last_pull_at timestamp with time zone,
    last_push_at timestamp with time zone,
    constraint sync_devices_device_id_check check (((char_length(device_id) >= 1) and (char_length(device_id) <= 128)))
);

comment on table internal.sync_devices is 'Per user, app and device: the cursor its last pull returned and when it last pulled and pushed.';

alter table only internal.sync_devices
    add constraint sync_devices_pkey primary key (user_id, app_id, device_id);

alter table only internal.sync_devices
    add constraint sync_devices_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

grant select on table internal.sync_devices to service_role;

-- internal.sync_imports ---------------------------------------------------------------------------------------------

create table internal.sync_imports (
    user_id uuid not null,
    app_id public.app_id not null,
    source text not null,
    batch_no integer not null,
    rows_digest text not null,
    imported integer not null,
    skipped integer not null,
    rejected integer not null,
    report jsonb not null,
    created_at timestamp with time zone default now() not null,
    constraint sync_imports_batch_no_check check ((batch_no >= 1))
);

comment on table internal.sync_imports is 'Batches of one-time local-data imports, each applied once, with their per-row report (returned again on a retry).';

alter table only internal.sync_imports
    add constraint sync_imports_pkey primary key (user_id, app_id, source, batch_no);

alter table only internal.sync_imports
    add constraint sync_imports_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

grant select on table internal.sync_imports to service_role;

-- internal.sync_mutations -------------------------------------------------------------------------------------------

create table internal.sync_mutations (
    user_id uuid not null,
    mutation_id uuid not null,
    device_id text not null,
    table_name text not null,
    result jsonb not null,
    created_at timestamp with time zone default now() not null
);

comment on table internal.sync_mutations is 'Outcome of every pushed mutation, so a retried push never applies twice. Server-only.';

alter table only internal.sync_mutations
    add constraint sync_mutations_pkey primary key (user_id, mutation_id);

alter table only internal.sync_mutations
    add constraint sync_mutations_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

grant select on table internal.sync_mutations to service_role;

create index sync_mutations_history_idx on internal.sync_mutations using btree (user_id, created_at desc, mutation_id desc);

-- internal.sync_settings --------------------------------------------------------------------------------------------

create table internal.sync_settings (
    singleton boolean default true not null,
    tombstone_horizon interval default '90 days'::interval not null,
    constraint sync_settings_singleton_check check (singleton),
    constraint sync_settings_tombstone_horizon_check check ((tombstone_horizon >= '1 day'::interval))
);

comment on table internal.sync_settings is 'Sync settings (one row; edit it in Studio): how long tombstones are kept. A device offline longer than this re-pulls from scratch.';

alter table only internal.sync_settings
    add constraint sync_settings_pkey primary key (singleton);

grant select on table internal.sync_settings to service_role;

-- internal.sync_tables ----------------------------------------------------------------------------------------------

create table internal.sync_tables (
    table_name text not null,
    app_id public.app_id,
    strategy text default 'server_wins'::text not null,
    constraint sync_tables_strategy_check check ((strategy = any (array['server_wins'::text, 'client_wins'::text, 'last_write_wins'::text, 'manual'::text])))
);

comment on table internal.sync_tables is 'Tables that opted into sync (schema.table), the app they belong to, and their conflict strategy.';

alter table only internal.sync_tables
    add constraint sync_tables_pkey primary key (table_name);

grant select on table internal.sync_tables to service_role;
grant select on table internal.sync_tables to authenticated;

-- public.sync_samples -----------------------------------------------------------------------------------------------

create table public.sync_samples (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    title text not null,
    done boolean default false not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint sync_samples_title_check check (((char_length(title) >= 1) and (char_length(title) <= 200)))
);
revoke all on table public.sync_samples from anon, authenticated, service_role;

comment on table public.sync_samples is 'A sample syncable table (server_wins): exercises the sync protocol; no app uses it.';

alter table only public.sync_samples
    add constraint sync_samples_pkey primary key (id);

create index public_sync_samples_sync_idx on public.sync_samples using btree (user_id, version);

create index sync_samples_deleted_at_idx on public.sync_samples using btree (deleted_at) where (deleted_at is not null);

create trigger sync_stamp before insert or update on public.sync_samples for each row execute function internal.sync_stamp();

alter table only public.sync_samples
    add constraint sync_samples_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

create policy "service role can read sync samples" on public.sync_samples for select to service_role using (true);

alter table public.sync_samples enable row level security;

create policy "users can add own sync samples" on public.sync_samples for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own sync samples" on public.sync_samples for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own sync samples" on public.sync_samples for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table public.sync_samples to authenticated;
grant select on table public.sync_samples to service_role;

grant insert(id) on table public.sync_samples to authenticated;

grant insert(user_id) on table public.sync_samples to authenticated;

grant insert(title),update(title) on table public.sync_samples to authenticated;

grant insert(done),update(done) on table public.sync_samples to authenticated;

grant insert(updated_at),update(updated_at) on table public.sync_samples to authenticated;

grant insert(deleted_at),update(deleted_at) on table public.sync_samples to authenticated;

-- public.sync_samples_client ----------------------------------------------------------------------------------------

create table public.sync_samples_client (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    title text not null,
    done boolean default false not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint sync_samples_title_check check (((char_length(title) >= 1) and (char_length(title) <= 200)))
);
revoke all on table public.sync_samples_client from anon, authenticated, service_role;

comment on table public.sync_samples_client is 'A sample syncable table with the client_wins strategy (tests only).';

alter table only public.sync_samples_client
    add constraint sync_samples_client_pkey primary key (id);

create index public_sync_samples_client_deleted_at_idx on public.sync_samples_client using btree (deleted_at) where (deleted_at is not null);

create index public_sync_samples_client_sync_idx on public.sync_samples_client using btree (user_id, version);

create trigger sync_stamp before insert or update on public.sync_samples_client for each row execute function internal.sync_stamp();

alter table only public.sync_samples_client
    add constraint sync_samples_client_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

create policy "service role can read samples" on public.sync_samples_client for select to service_role using (true);

alter table public.sync_samples_client enable row level security;

create policy "users can add own samples" on public.sync_samples_client for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own samples" on public.sync_samples_client for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own samples" on public.sync_samples_client for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table public.sync_samples_client to authenticated;
grant select on table public.sync_samples_client to service_role;

grant insert(id) on table public.sync_samples_client to authenticated;

grant insert(user_id) on table public.sync_samples_client to authenticated;

grant insert(title),update(title) on table public.sync_samples_client to authenticated;

grant insert(done),update(done) on table public.sync_samples_client to authenticated;

grant insert(updated_at),update(updated_at) on table public.sync_samples_client to authenticated;

grant insert(deleted_at),update(deleted_at) on table public.sync_samples_client to authenticated;

-- public.sync_samples_lww -------------------------------------------------------------------------------------------

create table public.sync_samples_lww (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    title text not null,
    done boolean default false not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint sync_samples_title_check check (((char_length(title) >= 1) and (char_length(title) <= 200)))
);
revoke all on table public.sync_samples_lww from anon, authenticated, service_role;

comment on table public.sync_samples_lww is 'A sample syncable table with the last_write_wins strategy (tests only).';

alter table only public.sync_samples_lww
    add constraint sync_samples_lww_pkey primary key (id);

create index public_sync_samples_lww_sync_idx on public.sync_samples_lww using btree (user_id, version);

create index sync_samples_lww_deleted_at_idx on public.sync_samples_lww using btree (deleted_at) where (deleted_at is not null);

create trigger sync_stamp before insert or update on public.sync_samples_lww for each row execute function internal.sync_stamp();

alter table only public.sync_samples_lww
    add constraint sync_samples_lww_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

create policy "service role can read lww samples" on public.sync_samples_lww for select to service_role using (true);

alter table public.sync_samples_lww enable row level security;

create policy "users can add own lww samples" on public.sync_samples_lww for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own lww samples" on public.sync_samples_lww for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own lww samples" on public.sync_samples_lww for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table public.sync_samples_lww to authenticated;
grant select on table public.sync_samples_lww to service_role;

grant insert(id) on table public.sync_samples_lww to authenticated;

grant insert(user_id) on table public.sync_samples_lww to authenticated;

grant insert(title),update(title) on table public.sync_samples_lww to authenticated;

grant insert(done),update(done) on table public.sync_samples_lww to authenticated;

grant insert(updated_at),update(updated_at) on table public.sync_samples_lww to authenticated;

grant insert(deleted_at),update(deleted_at) on table public.sync_samples_lww to authenticated;

-- public.sync_samples_manual ----------------------------------------------------------------------------------------

create table public.sync_samples_manual (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    title text not null,
    done boolean default false not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint sync_samples_title_check check (((char_length(title) >= 1) and (char_length(title) <= 200)))
);
revoke all on table public.sync_samples_manual from anon, authenticated, service_role;

comment on table public.sync_samples_manual is 'A sample syncable table with the manual strategy (tests only).';

alter table only public.sync_samples_manual
    add constraint sync_samples_manual_pkey primary key (id);

create index public_sync_samples_manual_deleted_at_idx on public.sync_samples_manual using btree (deleted_at) where (deleted_at is not null);

create index public_sync_samples_manual_sync_idx on public.sync_samples_manual using btree (user_id, version);

create trigger sync_stamp before insert or update on public.sync_samples_manual for each row execute function internal.sync_stamp();

alter table only public.sync_samples_manual
    add constraint sync_samples_manual_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

create policy "service role can read samples" on public.sync_samples_manual for select to service_role using (true);

alter table public.sync_samples_manual enable row level security;

create policy "users can add own samples" on public.sync_samples_manual for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own samples" on public.sync_samples_manual for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own samples" on public.sync_samples_manual for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table public.sync_samples_manual to authenticated;
grant select on table public.sync_samples_manual to service_role;

grant insert(id) on table public.sync_samples_manual to authenticated;

grant insert(user_id) on table public.sync_samples_manual to authenticated;

grant insert(title),update(title) on table public.sync_samples_manual to authenticated;

grant insert(done),update(done) on table public.sync_samples_manual to authenticated;

grant insert(updated_at),update(updated_at) on table public.sync_samples_manual to authenticated;

grant insert(deleted_at),update(deleted_at) on table public.sync_samples_manual to authenticated;
