-- add sync history: the caller's pushed mutations of one app, newest first and paged (GET /{app}/sync/history).
-- Any app's "sync history" screen reads it; internal.sync_mutations already holds every outcome but is server-only,
-- so a security definer function filtered to auth.uid() exposes the caller's own, with an index for the paging order.

create index sync_mutations_history_idx on internal.sync_mutations using btree (user_id, created_at desc, mutation_id desc);

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
