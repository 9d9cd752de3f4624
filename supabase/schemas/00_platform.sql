-- The platform: the app registry and id type, internal helpers, the rate limiter, the audit log, health and
-- extensions every feature relies on.
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create schema coach;

comment on schema coach is 'Daily Coach (日常教练): day logs, five dimensions, targets, settings.';

create schema companion;

comment on schema companion is 'Companion (AI 伴侣): personas, conversations, messages, vocabulary.';

create extension if not exists pg_cron with schema pg_catalog;

comment on extension pg_cron is 'Job scheduler for PostgreSQL';

create schema diary;

comment on schema diary is 'Growth Diary (成长日记): diaries, tasks, prizes, lottery.';

create schema internal;

comment on schema internal is 'Server-only state (rate limits, queues, inboxes). Not exposed through PostgREST; no client grants.';

create schema pickitchen;

comment on schema pickitchen is 'PicKitchen: emoji detection and generation tasks, remote config.';

create schema quit;

comment on schema quit is 'Quit Journey (焕新之旅): quit profile, check-ins, smoking records, achievements.';

create type public.app_id as enum (
    'coach',
    'companion',
    'quit',
    'diary',
    'pickitchen'
);

comment on type public.app_id is 'The apps this backend serves; every per-app row carries one.';

create function internal.audit(p_action text, p_actor uuid, p_app public.app_id default null::public.app_id, p_ip text default null::text, p_user_agent text default null::text, p_details jsonb default '{}'::jsonb) returns void
    language plpgsql security definer
    set search_path to ''
    as $_$
begin
  insert into internal.audit_log (action, actor_id, app_id, ip, user_agent, details)
  values (p_action, p_actor, p_app,
          case when p_ip ~ '^[0-9a-fA-F:.]+$' then p_ip::inet end,
          left(p_user_agent, 512), coalesce(p_details, '{}'::jsonb));
end
$_$;

comment on function internal.audit(p_action text, p_actor uuid, p_app public.app_id, p_ip text, p_user_agent text, p_details jsonb) is 'Appends one audit event. Security definer so callers need no rights on the table itself; an unparseable IP is stored as null.';

revoke all on function internal.audit(p_action text, p_actor uuid, p_app public.app_id, p_ip text, p_user_agent text, p_details jsonb) from public;
grant all on function internal.audit(p_action text, p_actor uuid, p_app public.app_id, p_ip text, p_user_agent text, p_details jsonb) to service_role;

create function internal.audit_log_guard() returns trigger
    language plpgsql
    set search_path to ''
    as $$
begin
  if tg_op = 'DELETE' and coalesce(current_setting('houtai.audit_retention', true), '') = 'on' then
    return old;
  end if;
  raise exception using errcode = '42501', message = 'internal.audit_log is append-only';
end
$$;

comment on function internal.audit_log_guard() is 'Trigger: refuses updates, and deletes outside internal.prune_audit_log().';

create function internal.health_snapshot() returns jsonb
    language plpgsql stable security definer
    set search_path to ''
    as $$
declare
  v_migration text;
begin
  select max(m.version) into v_migration from supabase_migrations.schema_migrations m;
  return pg_catalog.jsonb_build_object('migration', v_migration, 'queue_depth',
    (select count(*) from internal.jobs where status in ('queued', 'failed')), 'queue', internal.queue_stats());
end
$$;

comment on function internal.health_snapshot() is 'Migration version and queue depth for /health. Security definer because the migration history belongs to the CLI''s schema, which service_role cannot read.';

revoke all on function internal.health_snapshot() from public;
grant all on function internal.health_snapshot() to service_role;

create function internal.is_valid_timezone(tz text) returns boolean
    language plpgsql immutable strict
    set search_path to ''
    as $_$
begin
  perform now() at time zone tz;
  return tz ~ '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$';
exception when invalid_parameter_value then
  return false;
end
$_$;

comment on function internal.is_valid_timezone(tz text) is 'True for IANA zone names Postgres knows (Asia/Shanghai, UTC); null for null, so optional columns pass their check constraints.';

grant all on function internal.is_valid_timezone(tz text) to anon;
grant all on function internal.is_valid_timezone(tz text) to authenticated;
grant all on function internal.is_valid_timezone(tz text) to service_role;

create function internal.prune_audit_log(p_older_than interval) returns bigint
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_deleted bigint;
begin
  perform set_config('houtai.audit_retention', 'on', true);
  delete from internal.audit_log where occurred_at < now() - p_older_than;
  get diagnostics v_deleted = row_count;
  perform set_config('houtai.audit_retention', 'off', true);
  return v_deleted;
end
$$;

comment on function internal.prune_audit_log(p_older_than interval) is 'Retention: deletes audit events older than the interval; the only way rows ever leave the log.';

revoke all on function internal.prune_audit_log(p_older_than interval) from public;

create function internal.rate_limit_take(p_keys text[], p_capacities integer[], p_window_seconds integer[]) returns integer
    language plpgsql
    set search_path to ''
    as $$
declare
  v_retry integer;
begin
  if cardinality(p_keys) is distinct from cardinality(p_capacities)
     or cardinality(p_keys) is distinct from cardinality(p_window_seconds) then
    raise exception using errcode = '22023', message = 'rate_limit_take: arrays differ in length';
  end if;
  -- A new bucket starts full and gives its first token. An existing one refills continuously since its last take,
  -- up to its capacity, then gives a token if it has a whole one. The upsert's row lock serialises requests on
  -- one bucket.
  with wanted as (
    select distinct on (key) key, capacity, window_seconds
      from unnest(p_keys, p_capacities, p_window_seconds) as w (key, capacity, window_seconds)
  ),
  taken as (
    insert into internal.rate_limit_buckets as b (key, tokens, updated_at, capacity, window_seconds, refused)
    select key, capacity - 1, now(), capacity, window_seconds, false from wanted
    on conflict (key) do update set
      (refused, tokens) = (
        select r.tokens < 1, r.tokens - case when r.tokens >= 1 then 1 else 0 end
          from (select least(excluded.capacity,
                             b.tokens + greatest(0, extract(epoch from now() - b.updated_at)) * excluded.capacity / excluded.window_seconds)
                       as tokens) r),
      updated_at = now(), capacity = excluded.capacity, window_seconds = excluded.window_seconds
    returning b.tokens, b.refused, b.capacity, b.window_seconds
  )
  select coalesce(max(ceil((1 - tokens) * window_seconds / capacity)::integer) filter (where refused), 0) into v_retry from taken;
  return v_retry;
end
$$;

comment on function internal.rate_limit_take(p_keys text[], p_capacities integer[], p_window_seconds integer[]) is 'Takes one token from each bucket (capacity per window, refilled continuously). Returns 0 when every bucket had a token, else the whole seconds until the emptiest one has one again.';

revoke all on function internal.rate_limit_take(p_keys text[], p_capacities integer[], p_window_seconds integer[]) from public;
grant all on function internal.rate_limit_take(p_keys text[], p_capacities integer[], p_window_seconds integer[]) to service_role;

create function internal.set_updated_at() returns trigger
    language plpgsql
    set search_path to ''
    as $$
begin
  new.updated_at := now();
  return new;
end
$$;

comment on function internal.set_updated_at() is 'Trigger: stamps updated_at on every update.';

-- internal.audit_log ------------------------------------------------------------------------------------------------

create table internal.audit_log (
    id bigint not null,
    occurred_at timestamp with time zone default now() not null,
    action text not null,
    actor_id uuid,
    app_id public.app_id,
    ip inet,
    user_agent text,
    details jsonb default '{}'::jsonb not null,
    constraint audit_log_action_check check ((action = any (array['sign_up'::text, 'sign_in'::text, 'sign_in_failed'::text, 'sign_out'::text, 'otp_sent'::text, 'device_login'::text, 'wechat_login'::text, 'session_revoked'::text])))
);

comment on table internal.audit_log is 'Append-only account security events (who, which app, from where, when). Written by internal.audit() and triggers on auth.users/auth.sessions; pruned only by internal.prune_audit_log().';

alter table internal.audit_log alter column id add generated always as identity (
    SEQUENCE NAME internal.audit_log_id_seq
    start with 1
    increment by 1
    no minvalue
    no maxvalue
    cache 1
);

alter table only internal.audit_log
    add constraint audit_log_pkey primary key (id);

create index audit_log_action_occurred_at_idx on internal.audit_log using btree (action, occurred_at desc);

create index audit_log_actor_id_occurred_at_idx on internal.audit_log using btree (actor_id, occurred_at desc);

create trigger audit_log_append_only before delete or update on internal.audit_log for each row execute function internal.audit_log_guard();

grant select on table internal.audit_log to service_role;

-- internal.rate_limit_buckets ---------------------------------------------------------------------------------------

CREATE UNLOGGED TABLE internal.rate_limit_buckets (
    key text not null,
    tokens double precision not null,
    updated_at timestamp with time zone default now() not null,
    capacity integer,
    window_seconds integer,
    refused boolean default false not null
);

comment on table internal.rate_limit_buckets is 'Token buckets keyed by "<family>:<ip|user>:<id>". Unlogged: losing them on a crash only resets limits.';

alter table only internal.rate_limit_buckets
    add constraint rate_limit_buckets_pkey primary key (key);

grant select,insert,delete,update on table internal.rate_limit_buckets to service_role;

-- public.apps -------------------------------------------------------------------------------------------------------

create table public.apps (
    id public.app_id not null,
    name text not null,
    name_zh text not null,
    description text default ''::text not null,
    created_at timestamp with time zone default now() not null
);
revoke all on table public.apps from anon, authenticated, service_role;

comment on table public.apps is 'The five apps served by this backend. Catalog data from seed/; readable by everyone, written only by admins.';

alter table only public.apps
    add constraint apps_pkey primary key (id);

create policy "anon can read apps" on public.apps for select to anon using (true);

alter table public.apps enable row level security;

create policy "authenticated users can read apps" on public.apps for select to authenticated using (true);

grant select on table public.apps to anon;
grant select on table public.apps to authenticated;
grant select,insert,delete,update on table public.apps to service_role;

grant usage on schema coach to anon;
grant usage on schema coach to authenticated;
grant usage on schema coach to service_role;

grant usage on schema companion to anon;
grant usage on schema companion to authenticated;
grant usage on schema companion to service_role;

grant usage on schema diary to anon;
grant usage on schema diary to authenticated;
grant usage on schema diary to service_role;

grant usage on schema internal to service_role;
grant usage on schema internal to authenticated;
grant usage on schema internal to anon;

grant usage on schema pickitchen to anon;
grant usage on schema pickitchen to authenticated;
grant usage on schema pickitchen to service_role;

grant usage on schema quit to anon;
grant usage on schema quit to authenticated;
grant usage on schema quit to service_role;
