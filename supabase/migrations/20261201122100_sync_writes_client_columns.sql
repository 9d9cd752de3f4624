-- Sync push and import write only the columns the caller may write. They wrote every column of the table the row
-- carried: a coach record's created_at, ai_summary or day_log_id came from the client (the foreign key on day_log_id
-- then told whether another user had logged a date), and a pulled day log pushed back whole was refused with 42501
-- for its score and AI texts. Now the columns the caller's grants do not allow are ignored, left to their defaults
-- and triggers (day_log_id is derived, created_at is the server's), and listed in the outcome as `ignored`; an
-- update that leaves nothing to write is rejected and says why. The grants stay the one list of what a client may
-- write: PostgREST, push and import all follow them. The row's id and owner checks, common to push and import,
-- move into one function.

create or replace function internal.sync_row_columns(p_table regclass, p_row jsonb, p_privilege text, out writable text, out ignored text[], out report jsonb)
language plpgsql
stable
security invoker
set search_path = ''
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
comment on function internal.sync_row_columns(regclass, jsonb, text, out text, out text[], out jsonb) is
  'The columns of a pushed or imported row the caller may write with the privilege (INSERT or UPDATE), as a quoted list, the ones it carried that the server owns (ignored), and what an outcome reports of them. Invoker: the caller''s own column grants decide.';
revoke execute on function internal.sync_row_columns(regclass, jsonb, text, out text, out text[], out jsonb) from public;
grant execute on function internal.sync_row_columns(regclass, jsonb, text, out text, out text[], out jsonb) to authenticated;

create or replace function internal.sync_row_id(p_row jsonb) returns uuid
language plpgsql
stable
security invoker
set search_path = ''
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
comment on function internal.sync_row_id(jsonb) is 'The id of a pushed or imported row, once it is known to have one and to be the caller''s (or to name no owner).';
revoke execute on function internal.sync_row_id(jsonb) from public;
grant execute on function internal.sync_row_id(jsonb) to authenticated;

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
$$;
comment on function public.sync_push_mutation(public.app_id, text, uuid, text, text, jsonb, bigint) is
  'Applies one pushed mutation as the caller (RLS in force) by the table''s conflict strategy, once per mutation_id: applied (new version; columns the caller may not write are left to the server and listed as ignored), or conflict (server row and resolution).';

create or replace function public.sync_import_row(p_app_id public.app_id, p_table text, p_row jsonb) returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
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
$$;
comment on function public.sync_import_row(public.app_id, text, jsonb) is
  'Imports one local row as the caller (RLS in force): inserted with a new version (columns the caller may not write are left to the server and listed as ignored), or skipped when its id is already in the cloud.';
