-- Offline-first sync, part 2: push. Each mutation (client-generated mutation_id) is applied once under the
-- caller's role and RLS, by its table's conflict strategy; a retried push returns the stored outcome.

create table internal.sync_mutations (
  user_id uuid not null references auth.users (id) on delete cascade,
  mutation_id uuid not null,
  device_id text not null,
  table_name text not null,
  result jsonb not null,
  created_at timestamptz not null default now(),
  primary key (user_id, mutation_id)
);
comment on table internal.sync_mutations is 'Outcome of every pushed mutation, so a retried push never applies twice. Server-only.';
revoke all on internal.sync_mutations from public, anon, authenticated, service_role;
grant select on internal.sync_mutations to service_role;

create or replace function internal.sync_mutation_outcome(p_mutation_id uuid) returns jsonb
language sql
stable
security definer
set search_path = ''
as $$ select m.result from internal.sync_mutations m where m.user_id = auth.uid() and m.mutation_id = p_mutation_id $$;
comment on function internal.sync_mutation_outcome(uuid) is 'The stored outcome of one of the caller''s mutations, if it was pushed before.';
revoke execute on function internal.sync_mutation_outcome(uuid) from public;
grant execute on function internal.sync_mutation_outcome(uuid) to authenticated;

create or replace function internal.sync_record_mutation(p_mutation_id uuid, p_device_id text, p_table text, p_result jsonb) returns void
language sql
security definer
set search_path = ''
as $$
  insert into internal.sync_mutations (user_id, mutation_id, device_id, table_name, result)
  values (auth.uid(), p_mutation_id, p_device_id, p_table, p_result)
  on conflict (user_id, mutation_id) do nothing
$$;
comment on function internal.sync_record_mutation(uuid, text, text, jsonb) is 'Stores a mutation''s outcome for the caller.';
revoke execute on function internal.sync_record_mutation(uuid, text, text, jsonb) from public;
grant execute on function internal.sync_record_mutation(uuid, text, text, jsonb) to authenticated;

create or replace function public.sync_push_mutation(
  p_app_id public.app_id,
  p_device_id text,
  p_mutation_id uuid,
  p_table text,
  p_op text,
  p_row jsonb,
  p_base_version bigint
) returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_strategy text;
  v_current jsonb;
  v_id uuid;
  v_cols text;
  v_row jsonb;
  v_result jsonb;
  v_apply boolean := true;
  v_set text;
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
  v_id := (p_row ->> 'id')::uuid;
  if v_id is null then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = 'row.id (a uuid) is required';
  end if;
  if p_row ? 'user_id' and (p_row ->> 'user_id') is distinct from auth.uid()::text then
    raise exception using errcode = 'P0001', message = 'FORBIDDEN', detail = 'rows belong to the signed-in user';
  end if;
  -- What the client may set: the table's columns it sent, never the server-assigned ones.
  v_row := (p_row - 'version' - 'user_id') || jsonb_build_object('user_id', auth.uid());
  if p_op = 'delete' then
    v_row := jsonb_build_object('id', v_id, 'user_id', auth.uid(), 'deleted_at', coalesce(p_row ->> 'deleted_at', now()::text));
  end if;
  select string_agg(format('%I', a.attname), ', ') into v_cols
    from pg_catalog.pg_attribute a
   where a.attrelid = p_table::regclass and a.attnum > 0 and not a.attisdropped and v_row ? a.attname::text and a.attname <> 'version';

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
    if v_current is null then
      execute format('insert into %s (%s) select %s from jsonb_populate_record(null::%s, $1) returning to_jsonb(%s.*)',
                     p_table, v_cols, v_cols, p_table, p_table) into v_current using v_row;
    else
      -- Identity and ownership never change on update.
      select string_agg(format('%I', a.attname), ', ') into v_set
        from pg_catalog.pg_attribute a
       where a.attrelid = p_table::regclass and a.attnum > 0 and not a.attisdropped and v_row ? a.attname::text
         and a.attname not in ('version', 'id', 'user_id');
      if v_set is null then
        raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = 'the row changes no column';
      end if;
      execute format('update %s t set (%s) = (select %s from jsonb_populate_record(null::%s, $1)) where t.id = $2 returning to_jsonb(t.*)',
                     p_table, v_set, v_set, p_table) into v_current using v_row, v_id;
    end if;
    v_result := jsonb_build_object('mutation_id', p_mutation_id, 'status', 'applied', 'version', (v_current ->> 'version')::bigint, 'row', v_current);
  else
    v_result := jsonb_build_object('mutation_id', p_mutation_id, 'status', 'conflict', 'strategy', v_strategy,
                                   'resolution', case when v_strategy = 'manual' then 'resolve_on_client' else 'server_kept' end,
                                   'server_row', v_current);
  end if;
  perform internal.sync_record_mutation(p_mutation_id, p_device_id, p_table, v_result);
  return v_result;
end
$$;
comment on function public.sync_push_mutation(public.app_id, text, uuid, text, text, jsonb, bigint) is
  'Applies one pushed mutation as the caller (RLS in force) by the table''s conflict strategy, once per mutation_id: applied (new version), or conflict (server row and resolution).';
revoke execute on function public.sync_push_mutation(public.app_id, text, uuid, text, text, jsonb, bigint) from public, anon;
grant execute on function public.sync_push_mutation(public.app_id, text, uuid, text, text, jsonb, bigint) to authenticated;

-- Samples for the other strategies, so each is tested against a real table.
create table public.sync_samples_lww (like public.sync_samples including defaults including constraints);
alter table public.sync_samples_lww add primary key (id);
alter table public.sync_samples_lww add foreign key (user_id) references auth.users (id) on delete cascade;
comment on table public.sync_samples_lww is 'A sample syncable table with the last_write_wins strategy (tests only).';
alter table public.sync_samples_lww enable row level security;
revoke all on public.sync_samples_lww from anon, authenticated, service_role;
grant select, insert (id, user_id, title, done, updated_at, deleted_at), update (title, done, updated_at, deleted_at) on public.sync_samples_lww to authenticated;
grant select on public.sync_samples_lww to service_role;
create policy "users can read own lww samples" on public.sync_samples_lww for select to authenticated using (user_id = (select auth.uid()));
create policy "users can add own lww samples" on public.sync_samples_lww for insert to authenticated with check (user_id = (select auth.uid()));
create policy "users can change own lww samples" on public.sync_samples_lww for update to authenticated
  using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));
create policy "service role can read lww samples" on public.sync_samples_lww for select to service_role using (true);
select internal.enable_sync('public.sync_samples_lww', 'coach', 'last_write_wins');
