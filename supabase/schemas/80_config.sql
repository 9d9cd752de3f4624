-- Config: per-app settings the apps read, and the values derived from them.
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create function public.app_config_derived(p_app_id public.app_id) returns jsonb
    language sql stable
    set search_path to ''
    as $$
  select jsonb_strip_nulls(jsonb_build_object('weekly_reward', (
    select jsonb_build_object('enabled', true, 'amount', p.grant_amount, 'currency', p.currency, 'product_id', p.id,
                              'schedule', 'Mondays 00:00 UTC, once per ISO week')
      from public.products p
     where p.app_id = p_app_id and p.kind = 'subscription' and p.plan = 'weekly' and p.grant_amount > 0
     order by p.id limit 1)))
$$;
revoke all on function public.app_config_derived(public.app_id) from anon, authenticated, service_role;

comment on function public.app_config_derived(p_app_id public.app_id) is 'Config entries derived from their sources (the weekly VIP reward from its product), merged into GET /{app}/config.';

revoke all on function public.app_config_derived(p_app_id public.app_id) from public;
grant all on function public.app_config_derived(p_app_id public.app_id) to anon;
grant all on function public.app_config_derived(p_app_id public.app_id) to authenticated;
grant all on function public.app_config_derived(p_app_id public.app_id) to service_role;

-- public.app_config -------------------------------------------------------------------------------------------------

create table public.app_config (
    app_id public.app_id not null,
    key text not null,
    value jsonb not null,
    description text,
    updated_at timestamp with time zone default now() not null,
    constraint app_config_key_check check ((key ~ '^[a-z0-9_]{1,64}$'::text))
);
revoke all on table public.app_config from anon, authenticated, service_role;

comment on table public.app_config is 'Remote config per app, one JSON document per key (styles, banners, points_rules…), edited in Studio and served by GET /{app}/config on the next request. Public to the apps: never put a secret here.';

alter table only public.app_config
    add constraint app_config_pkey primary key (app_id, key);

create trigger app_config_set_updated_at before update on public.app_config for each row execute function internal.set_updated_at();

alter table only public.app_config
    add constraint app_config_app_id_fkey foreign key (app_id) references public.apps(id);

create policy "anyone can read app config" on public.app_config for select to anon, authenticated using (true);

alter table public.app_config enable row level security;

create policy "service role can add app config" on public.app_config for insert to service_role with check (true);

create policy "service role can change app config" on public.app_config for update to service_role using (true) with check (true);

create policy "service role can read app config" on public.app_config for select to service_role using (true);

create policy "service role can remove app config" on public.app_config for delete to service_role using (true);

grant select on table public.app_config to anon;
grant select on table public.app_config to authenticated;
grant select,insert,delete,update on table public.app_config to service_role;
