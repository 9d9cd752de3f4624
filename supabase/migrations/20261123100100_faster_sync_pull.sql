-- sync_pull compared every row's user_id with auth.uid() itself, which re-reads and re-parses the JWT claims
-- per row and hides the user from the planner. The caller's id is now computed once and passed in, so each
-- table is read through its (user_id, version) index for just that user. RLS still applies (security invoker).

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
$$;
