-- Offline-first sync, part 1: versions and pull. A table opts in with internal.enable_sync(); every insert or
-- update of a row then takes the next version from its owner's clock. The clock row stays locked until the
-- writing transaction ends, so one user's versions become visible in version order: a pull that has returned
-- version N can never later be missing a change numbered below N, whoever wrote it (API, PostgREST, jobs).
-- Deletions are tombstones (deleted_at); a purge after the horizon records what it removed, and a client
-- whose cursor is older must re-pull from scratch.

create table internal.sync_clocks (
  user_id uuid primary key references auth.users (id) on delete cascade,
  version bigint not null default 0,
  -- Tombstones up to this version were purged: older cursors must resync.
  purged_through bigint not null default 0
);
comment on table internal.sync_clocks is 'Per-user version clock of syncable rows, and the version up to which tombstones were purged.';

create table internal.sync_tables (
  table_name text primary key,
  app_id public.app_id,
  strategy text not null default 'server_wins' check (strategy in ('server_wins', 'client_wins', 'last_write_wins', 'manual'))
);
comment on table internal.sync_tables is 'Tables that opted into sync (schema.table), the app they belong to, and their conflict strategy.';

revoke all on internal.sync_clocks, internal.sync_tables from public, anon, authenticated, service_role;
grant select on internal.sync_clocks, internal.sync_tables to service_role;

create or replace function internal.sync_stamp() returns trigger
language plpgsql
security definer
set search_path = ''
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
revoke execute on function internal.sync_stamp() from public;

create or replace function internal.enable_sync(p_table regclass, p_app_id public.app_id, p_strategy text default 'server_wins')
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_name text := p_table::text;
  v_missing text;
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
  execute format('create index if not exists %I on %s (user_id, version)', replace(v_name, '.', '_') || '_sync_idx', v_name);
end
$$;
comment on function internal.enable_sync(regclass, public.app_id, text) is
  'Opts a table into sync: it needs id (client uuid), user_id, updated_at, version and deleted_at. Installs the version trigger and the (user_id, version) index, records the conflict strategy.';
revoke execute on function internal.enable_sync(regclass, public.app_id, text) from public;

create or replace function internal.sync_purged_through() returns bigint
language sql
stable
security definer
set search_path = ''
as $$ select coalesce((select c.purged_through from internal.sync_clocks c where c.user_id = auth.uid()), 0) $$;
comment on function internal.sync_purged_through() is 'The caller''s tombstone purge mark. Security definer: the clocks table stays closed to clients.';
revoke execute on function internal.sync_purged_through() from public;
grant execute on function internal.sync_purged_through() to authenticated, service_role;

create type internal.sync_change as (table_name text, version bigint, deleted boolean, row_data jsonb);
comment on type internal.sync_change is 'One change a pull returns: the table, the row''s version, whether it is a tombstone, the row.';

create or replace function public.sync_pull(p_app_id public.app_id, p_cursor bigint, p_tables text[] default null, p_limit integer default 500)
returns setof internal.sync_change
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_purged bigint;
  v_sql text;
begin
  v_purged := internal.sync_purged_through();
  if p_cursor > 0 and p_cursor < v_purged then
    raise exception using errcode = 'P0001', message = 'RESYNC_REQUIRED',
      detail = 'Changes older than your cursor were purged; pull again from cursor 0.';
  end if;
  select string_agg(format(
           'select %L::text, t.version, t.deleted_at is not null, to_jsonb(t) from %s t where t.user_id = auth.uid() and t.version > $1',
           t.table_name, t.table_name), ' union all ')
    into v_sql
    from internal.sync_tables t
   where t.app_id = p_app_id and (p_tables is null or t.table_name = any (p_tables));
  if v_sql is null then
    return;
  end if;
  -- RLS applies (security invoker): a user pulls only rows they may read.
  return query execute format('select * from (%s) changes order by 2 limit $2', v_sql) using p_cursor, p_limit;
end
$$;
comment on function public.sync_pull(public.app_id, bigint, text[], integer) is
  'The caller''s changes (rows and tombstones) of the app''s syncable tables after a cursor (a version), in version order. Raises RESYNC_REQUIRED when the cursor predates purged tombstones.';
revoke execute on function public.sync_pull(public.app_id, bigint, text[], integer) from public, anon;
grant execute on function public.sync_pull(public.app_id, bigint, text[], integer) to authenticated, service_role;
grant usage on schema internal to authenticated;
grant select on internal.sync_tables to authenticated;

create or replace function internal.purge_sync_tombstones(p_older_than interval) returns bigint
language plpgsql
security definer
set search_path = ''
as $$
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
$$;
comment on function internal.purge_sync_tombstones(interval) is 'Deletes tombstones older than the horizon and moves each affected user''s purged_through mark; returns how many users were marked.';
revoke execute on function internal.purge_sync_tombstones(interval) from public;

-- A sample syncable table to test the protocol against; the apps opt their own tables in.
create table public.sync_samples (
  id uuid primary key,
  user_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  title text not null check (char_length(title) between 1 and 200),
  done boolean not null default false,
  updated_at timestamptz not null default now(),
  version bigint not null default 0,
  deleted_at timestamptz
);
comment on table public.sync_samples is 'A sample syncable table (server_wins): exercises the sync protocol; no app uses it.';

alter table public.sync_samples enable row level security;
revoke all on public.sync_samples from anon, authenticated, service_role;
grant select, insert (id, user_id, title, done, updated_at, deleted_at), update (title, done, updated_at, deleted_at) on public.sync_samples to authenticated;
grant select on public.sync_samples to service_role;
create policy "users can read own sync samples" on public.sync_samples for select to authenticated using (user_id = (select auth.uid()));
create policy "users can add own sync samples" on public.sync_samples for insert to authenticated with check (user_id = (select auth.uid()));
create policy "users can change own sync samples" on public.sync_samples for update to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
create policy "service role can read sync samples" on public.sync_samples for select to service_role using (true);

select internal.enable_sync('public.sync_samples', 'coach', 'server_wins');
