-- Baseline: the whole project schema in one migration, replacing the 43 migrations of 2026-11-23 … 2026-12-01
-- (nothing was deployed yet). Written per feature from supabase/schemas/ as they stood when it was made, then the
-- rows and schedules a schema diff cannot carry. tests/db/baseline.test.ts proves it builds the same database as
-- the old chain did. Like every landed migration it never changes again (supabase/migrations/checksums.json).

-- ======================================================================================================================
-- 00_platform.sql
-- ======================================================================================================================

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

-- ======================================================================================================================
-- 10_accounts.sql
-- ======================================================================================================================

-- Accounts and sign-in: profiles, per-app profiles, devices, external (WeChat, device) accounts, session listing,
-- the auth hooks' bookkeeping, and the triggers that follow auth.users and auth.sessions.
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create function internal.audit_auth_session_changed() returns trigger
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  if tg_op = 'INSERT' then
    perform internal.audit('sign_in', new.user_id, null, host(new.ip), new.user_agent, jsonb_build_object('session_id', new.id));
    return new;
  end if;
  -- Sessions removed through our API are audited there, as revocations, with the acting user.
  if coalesce(current_setting('houtai.audit_action', true), '') <> 'session_revoked' then
    perform internal.audit('sign_out', old.user_id, null, host(old.ip), old.user_agent, jsonb_build_object('session_id', old.id));
  end if;
  return old;
end
$$;

comment on function internal.audit_auth_session_changed() is 'Trigger on auth.sessions: records sign-ins and sign-outs (including sessions ended by user deletion). Security definer: Auth writes as supabase_auth_admin.';

revoke all on function internal.audit_auth_session_changed() from public;

create function internal.audit_auth_user_created() returns trigger
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  perform internal.audit('sign_up', new.id, null, null, null, jsonb_build_object(
    'provider', coalesce(new.raw_app_meta_data ->> 'provider', case when new.is_anonymous then 'anonymous' end),
    'is_anonymous', new.is_anonymous));
  return new;
end
$$;

comment on function internal.audit_auth_user_created() is 'Trigger on auth.users: records sign-ups. Security definer: Auth writes as supabase_auth_admin.';

revoke all on function internal.audit_auth_user_created() from public;

create function internal.handle_new_user() returns trigger
    language plpgsql security definer
    set search_path to ''
    as $_$
declare
  v_meta jsonb := coalesce(new.raw_user_meta_data, '{}'::jsonb);
  v_timezone text := v_meta ->> 'timezone';
  v_locale text := v_meta ->> 'locale';
  v_app text := v_meta ->> 'app_id';
begin
  insert into public.profiles (id, display_name, timezone, locale)
  values (
    new.id,
    nullif(left(coalesce(v_meta ->> 'display_name', v_meta ->> 'name', v_meta ->> 'nickname'), 64), ''),
    case when internal.is_valid_timezone(v_timezone) then v_timezone else 'Asia/Shanghai' end,
    case when v_locale ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$' then v_locale else 'zh-CN' end
  )
  on conflict (id) do nothing;

  -- The app the user signed up from, when the sign-up said so; other apps get theirs on first use.
  if v_app is not null and exists (select 1 from pg_catalog.pg_enum e
                                   where e.enumtypid = 'public.app_id'::pg_catalog.regtype and e.enumlabel = v_app) then
    insert into public.app_profiles (user_id, app_id) values (new.id, v_app::public.app_id)
    on conflict do nothing;
  end if;
  return new;
end
$_$;

comment on function internal.handle_new_user() is 'Trigger on auth.users: creates the profile (and the sign-up app''s app profile). Security definer because Auth inserts users as supabase_auth_admin, which has no rights on public tables.';

revoke all on function internal.handle_new_user() from public;

create function internal.purge_auth_hook_deliveries(p_older_than interval default '01:00:00'::interval) returns bigint
    language plpgsql
    set search_path to ''
    as $$
declare
  v_count bigint;
begin
  delete from internal.auth_hook_deliveries where received_at < now() - p_older_than;
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

comment on function internal.purge_auth_hook_deliveries(p_older_than interval) is 'Removes hook claims older than the horizon (default an hour, well past the 5-minute signature tolerance); returns how many.';

revoke all on function internal.purge_auth_hook_deliveries(p_older_than interval) from public;

create function internal.stamp_last_seen_at() returns trigger
    language plpgsql
    set search_path to ''
    as $$
begin
  new.last_seen_at := now();
  return new;
end
$$;

comment on function internal.stamp_last_seen_at() is 'Trigger: last_seen_at is the time of the write that sets it, never a value a client sends.';

create function public.list_my_sessions() returns table(id uuid, created_at timestamp with time zone, updated_at timestamp with time zone, refreshed_at timestamp with time zone, user_agent text, ip text, aal text, current boolean)
    language sql stable security definer
    set search_path to ''
    as $$
  select s.id, s.created_at, s.updated_at, s.refreshed_at at time zone 'utc', s.user_agent, host(s.ip), s.aal::text,
         s.id = nullif(auth.jwt() ->> 'session_id', '')::uuid
    from auth.sessions s
   where s.user_id = auth.uid()
   order by coalesce(s.refreshed_at at time zone 'utc', s.created_at) desc
$$;
revoke all on function public.list_my_sessions() from anon, authenticated, service_role;

comment on function public.list_my_sessions() is 'The caller''s Auth sessions, newest activity first, flagging the current one. Security definer: auth.sessions is not readable by clients; rows are limited to auth.uid().';

revoke all on function public.list_my_sessions() from public;
grant all on function public.list_my_sessions() to authenticated;
grant all on function public.list_my_sessions() to service_role;

-- public.devices ----------------------------------------------------------------------------------------------------

create table public.devices (
    id uuid default gen_random_uuid() not null,
    user_id uuid not null,
    app_id public.app_id not null,
    installation_id text not null,
    platform text not null,
    push_vendor text,
    push_token text,
    locale text,
    timezone text,
    app_version text,
    os_version text,
    model text,
    last_seen_at timestamp with time zone default now() not null,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    constraint devices_app_version_check check ((char_length(app_version) <= 32)),
    constraint devices_installation_id_check check (((char_length(installation_id) >= 1) and (char_length(installation_id) <= 128))),
    constraint devices_locale_check check ((locale ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'::text)),
    constraint devices_model_check check ((char_length(model) <= 128)),
    constraint devices_os_version_check check ((char_length(os_version) <= 64)),
    constraint devices_platform_check check ((platform = any (array['ios'::text, 'android'::text, 'harmony'::text, 'wechat'::text, 'web'::text]))),
    constraint devices_push_pair check (((push_vendor is null) = (push_token is null))),
    constraint devices_push_token_check check (((char_length(push_token) >= 1) and (char_length(push_token) <= 4096))),
    constraint devices_push_vendor_check check ((push_vendor = any (array['apns'::text, 'fcm'::text, 'hms'::text, 'xiaomi'::text, 'oppo'::text, 'vivo'::text, 'honor'::text, 'jpush'::text, 'getui'::text, 'wechat'::text]))),
    constraint devices_timezone_check check (internal.is_valid_timezone(timezone))
);
revoke all on table public.devices from anon, authenticated, service_role;

comment on table public.devices is 'An app installation a user signed in on: platform, push vendor and token, locale, timezone, versions. Written only through public.register_device(); users read and delete their own.';

comment on column public.devices.installation_id is 'The app''s public id for this installation (push registration, sync status). Never the device sign-in id, which is a secret.';

alter table only public.devices
    add constraint devices_installation_key unique (user_id, app_id, installation_id);

alter table only public.devices
    add constraint devices_pkey primary key (id);

create unique index devices_push_token_key on public.devices using btree (app_id, push_vendor, push_token) where (push_token is not null);

create index devices_user_id_app_id_idx on public.devices using btree (user_id, app_id);

create trigger devices_set_updated_at before update on public.devices for each row execute function internal.set_updated_at();

alter table only public.devices
    add constraint devices_app_id_fkey foreign key (app_id) references public.apps(id);

alter table only public.devices
    add constraint devices_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table public.devices enable row level security;

create policy "users can delete own devices" on public.devices for delete to authenticated using ((user_id = ( select auth.uid() as uid)));

create policy "users can read own devices" on public.devices for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select,delete on table public.devices to authenticated;
grant select,insert,delete,update on table public.devices to service_role;

create function public.register_device(p_app_id public.app_id, p_installation_id text, p_platform text, p_push_vendor text default null::text, p_push_token text default null::text, p_locale text default null::text, p_timezone text default null::text, p_app_version text default null::text, p_os_version text default null::text, p_model text default null::text) returns public.devices
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_user uuid := auth.uid();
  v_device public.devices;
begin
  if v_user is null then
    raise exception using errcode = '42501', message = 'NOT_AUTHENTICATED', detail = 'A signed-in user is required.';
  end if;

  -- A push token belongs to whoever registered it last: on a shared phone the previous account must stop
  -- receiving this device's pushes.
  if p_push_token is not null then
    update public.devices
       set push_vendor = null, push_token = null
     where app_id = p_app_id and push_vendor = p_push_vendor and push_token = p_push_token
       and not (user_id = v_user and installation_id = p_installation_id);
  end if;

  insert into public.devices as d (user_id, app_id, installation_id, platform, push_vendor, push_token,
                                   locale, timezone, app_version, os_version, model, last_seen_at)
  values (v_user, p_app_id, p_installation_id, p_platform, p_push_vendor, p_push_token,
          p_locale, p_timezone, p_app_version, p_os_version, p_model, now())
  on conflict (user_id, app_id, installation_id) do update
     set platform = excluded.platform,
         push_vendor = excluded.push_vendor,
         push_token = excluded.push_token,
         locale = excluded.locale,
         timezone = excluded.timezone,
         app_version = excluded.app_version,
         os_version = excluded.os_version,
         model = excluded.model,
         last_seen_at = now()
  returning * into v_device;
  return v_device;
end
$$;
revoke all on function public.register_device(public.app_id, text, text, text, text, text, text, text, text, text) from anon, authenticated, service_role;

comment on function public.register_device(p_app_id public.app_id, p_installation_id text, p_platform text, p_push_vendor text, p_push_token text, p_locale text, p_timezone text, p_app_version text, p_os_version text, p_model text) is 'Registers (or refreshes) the caller''s installation of an app. Security definer because a push token moves between accounts on a shared phone: the previous owner''s row, invisible to the caller under RLS, must lose the token. Acts only for auth.uid().';

revoke all on function public.register_device(p_app_id public.app_id, p_installation_id text, p_platform text, p_push_vendor text, p_push_token text, p_locale text, p_timezone text, p_app_version text, p_os_version text, p_model text) from public;
grant all on function public.register_device(p_app_id public.app_id, p_installation_id text, p_platform text, p_push_vendor text, p_push_token text, p_locale text, p_timezone text, p_app_version text, p_os_version text, p_model text) to authenticated;
grant all on function public.register_device(p_app_id public.app_id, p_installation_id text, p_platform text, p_push_vendor text, p_push_token text, p_locale text, p_timezone text, p_app_version text, p_os_version text, p_model text) to service_role;

create function public.revoke_my_session(p_session_id uuid) returns boolean
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_session auth.sessions;
begin
  perform set_config('houtai.audit_action', 'session_revoked', true);
  delete from auth.sessions where id = p_session_id and user_id = auth.uid() returning * into v_session;
  perform set_config('houtai.audit_action', '', true);
  if v_session.id is null then
    return false;
  end if;
  perform internal.audit('session_revoked', auth.uid(), null, host(v_session.ip), v_session.user_agent,
                         jsonb_build_object('session_id', v_session.id));
  return true;
end
$$;
revoke all on function public.revoke_my_session(uuid) from anon, authenticated, service_role;

comment on function public.revoke_my_session(p_session_id uuid) is 'Ends one of the caller''s sessions (its refresh tokens go with it). Returns false when the caller has no such session. Security definer: clients cannot write auth.sessions.';

revoke all on function public.revoke_my_session(p_session_id uuid) from public;
grant all on function public.revoke_my_session(p_session_id uuid) to authenticated;
grant all on function public.revoke_my_session(p_session_id uuid) to service_role;

-- internal.auth_hook_deliveries -------------------------------------------------------------------------------------

create table internal.auth_hook_deliveries (
    hook text not null,
    webhook_id text not null,
    received_at timestamp with time zone default now() not null,
    constraint auth_hook_deliveries_hook_check check ((hook = 'send-sms'::text)),
    constraint auth_hook_deliveries_webhook_id_check check (((char_length(webhook_id) >= 1) and (char_length(webhook_id) <= 200)))
);

comment on table internal.auth_hook_deliveries is 'Auth hook calls acted on, by webhook-id: a replay of a signed call finds its row and does nothing. Only signed calls are recorded; rows live about an hour (internal.purge_auth_hook_deliveries). Server-only.';

alter table only internal.auth_hook_deliveries
    add constraint auth_hook_deliveries_pkey primary key (hook, webhook_id);

grant select,insert,delete on table internal.auth_hook_deliveries to service_role;

-- internal.external_accounts ----------------------------------------------------------------------------------------

create table internal.external_accounts (
    provider text not null,
    app_id public.app_id not null,
    external_id text not null,
    union_id text,
    user_id uuid not null,
    created_at timestamp with time zone default now() not null,
    last_sign_in_at timestamp with time zone default now() not null,
    constraint external_accounts_device_id_hashed check (((provider <> 'device'::text) or (external_id ~ '^[0-9a-f]{64}$'::text))),
    constraint external_accounts_external_id_check check (((char_length(external_id) >= 1) and (char_length(external_id) <= 128))),
    constraint external_accounts_provider_check check ((provider = any (array['device'::text, 'wechat'::text]))),
    constraint external_accounts_union_id_check check (((char_length(union_id) >= 1) and (char_length(union_id) <= 128)))
);

comment on table internal.external_accounts is 'Device-id and WeChat identities and the Auth user each signs in as. Server-only.';

comment on column internal.external_accounts.external_id is 'device: hex HMAC-SHA-256 of the device id under a key derived from SIGN_IN_SECRET (the id itself is stored nowhere); wechat: the openid of the mini program.';

alter table only internal.external_accounts
    add constraint external_accounts_pkey primary key (provider, app_id, external_id);

create index external_accounts_union_id_idx on internal.external_accounts using btree (union_id) where (union_id is not null);

create index external_accounts_user_id_idx on internal.external_accounts using btree (user_id);

alter table only internal.external_accounts
    add constraint external_accounts_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

grant select,insert,delete,update on table internal.external_accounts to service_role;

-- public.app_profiles -----------------------------------------------------------------------------------------------

create table public.app_profiles (
    user_id uuid not null,
    app_id public.app_id not null,
    preferences jsonb default '{}'::jsonb not null,
    first_seen_at timestamp with time zone default now() not null,
    last_seen_at timestamp with time zone default now() not null,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    constraint app_profiles_preferences_check check (((jsonb_typeof(preferences) = 'object'::text) and (pg_column_size(preferences) <= 16384)))
);
revoke all on table public.app_profiles from anon, authenticated, service_role;

comment on table public.app_profiles is 'A person''s profile in one app: app-specific preferences and when they were first/last seen there. Apps extend it with their own tables keyed on (user_id, app_id).';

alter table only public.app_profiles
    add constraint app_profiles_pkey primary key (user_id, app_id);

create index app_profiles_app_id_idx on public.app_profiles using btree (app_id);

create trigger app_profiles_set_updated_at before update on public.app_profiles for each row execute function internal.set_updated_at();

create trigger app_profiles_stamp_last_seen_at before insert or update of last_seen_at on public.app_profiles for each row execute function internal.stamp_last_seen_at();

alter table only public.app_profiles
    add constraint app_profiles_app_id_fkey foreign key (app_id) references public.apps(id);

alter table only public.app_profiles
    add constraint app_profiles_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table public.app_profiles enable row level security;

create policy "users can create own app profiles" on public.app_profiles for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own app profiles" on public.app_profiles for select to authenticated using ((user_id = ( select auth.uid() as uid)));

create policy "users can update own app profiles" on public.app_profiles for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

grant select on table public.app_profiles to authenticated;
grant select,insert,delete,update on table public.app_profiles to service_role;

grant insert(user_id) on table public.app_profiles to authenticated;

grant insert(app_id) on table public.app_profiles to authenticated;

grant insert(preferences),update(preferences) on table public.app_profiles to authenticated;

grant update(last_seen_at) on table public.app_profiles to authenticated;

-- public.profiles ---------------------------------------------------------------------------------------------------

create table public.profiles (
    id uuid not null,
    display_name text,
    avatar_path text,
    timezone text default 'Asia/Shanghai'::text not null,
    locale text default 'zh-CN'::text not null,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    constraint profiles_avatar_path_check check (((char_length(avatar_path) >= 1) and (char_length(avatar_path) <= 512))),
    constraint profiles_display_name_check check (((char_length(display_name) >= 1) and (char_length(display_name) <= 64))),
    constraint profiles_locale_check check ((locale ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'::text)),
    constraint profiles_timezone_check check (internal.is_valid_timezone(timezone))
);
revoke all on table public.profiles from anon, authenticated, service_role;

comment on table public.profiles is 'One per person (auth user), shared by every app: display name, avatar, IANA timezone used for local dates, locale. Created by a trigger on auth.users.';

alter table only public.profiles
    add constraint profiles_pkey primary key (id);

create trigger profiles_set_updated_at before update on public.profiles for each row execute function internal.set_updated_at();

alter table only public.profiles
    add constraint profiles_id_fkey foreign key (id) references auth.users(id) on delete cascade;

alter table public.profiles enable row level security;

create policy "users can read own profile" on public.profiles for select to authenticated using ((id = ( select auth.uid() as uid)));

create policy "users can update own profile" on public.profiles for update to authenticated using ((id = ( select auth.uid() as uid))) with check ((id = ( select auth.uid() as uid)));

grant select on table public.profiles to authenticated;
grant select,insert,delete,update on table public.profiles to service_role;

grant update(display_name) on table public.profiles to authenticated;

grant update(avatar_path) on table public.profiles to authenticated;

grant update(timezone) on table public.profiles to authenticated;

grant update(locale) on table public.profiles to authenticated;

create trigger on_auth_session_changed_audit after insert or delete on auth.sessions for each row execute function internal.audit_auth_session_changed();

create trigger on_auth_user_created after insert on auth.users for each row execute function internal.handle_new_user();

create trigger on_auth_user_created_audit after insert on auth.users for each row execute function internal.audit_auth_user_created();

-- ======================================================================================================================
-- 20_files.sql
-- ======================================================================================================================

-- Files: who may read and write which storage object (policies on storage.objects) and the upload check the API
-- calls before it signs an upload.
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create function internal.check_upload(p_purpose text, p_bucket text, p_name text, p_folder text, p_max_bytes bigint, p_types text[]) returns table(size bigint, content_type text)
    language plpgsql stable
    set search_path to ''
    as $_$
declare
  v_metadata jsonb;
begin
  -- Only a name the server could have chosen: below the folder, no empty or dot segment.
  if starts_with(p_name, p_folder) and p_name !~ '(^|/)\.{0,2}(/|$)' then
    select o.metadata into v_metadata from storage.objects o where o.bucket_id = p_bucket and o.name = p_name;
  end if;
  if v_metadata is null then
    raise exception using errcode = 'P0001', message = 'NOT_FOUND',
      detail = format('No uploaded %s file at %s: upload it first.', p_purpose, p_name);
  end if;
  size := (v_metadata ->> 'size')::bigint;
  content_type := v_metadata ->> 'mimetype';
  if size is null or content_type is null or not (content_type = any (p_types)) or size not between 1 and p_max_bytes then
    raise exception using errcode = 'P0001', message = 'UPLOAD_INVALID',
      detail = format('The file at %s is %s of %s bytes; a %s file must be one of %s, 1 to %s bytes.',
                      p_name, coalesce(content_type, 'of unknown type'), coalesce(size::text, 'unknown'), p_purpose,
                      array_to_string(p_types, ', '), p_max_bytes);
  end if;
  return next;
end
$_$;

comment on function internal.check_upload(p_purpose text, p_bucket text, p_name text, p_folder text, p_max_bytes bigint, p_types text[]) is 'Checks an uploaded object before use: it exists at a name below p_folder, and its stored size and content type fit the purpose. Returns both; raises P0001 NOT_FOUND (404) or UPLOAD_INVALID (422). Security invoker: a user sees only the objects their storage policies show them.';

revoke all on function internal.check_upload(p_purpose text, p_bucket text, p_name text, p_folder text, p_max_bytes bigint, p_types text[]) from public;
grant all on function internal.check_upload(p_purpose text, p_bucket text, p_name text, p_folder text, p_max_bytes bigint, p_types text[]) to authenticated;
grant all on function internal.check_upload(p_purpose text, p_bucket text, p_name text, p_folder text, p_max_bytes bigint, p_types text[]) to service_role;

create function internal.object_user_segment(p_bucket text, p_name text) returns text
    language sql immutable
    set search_path to ''
    as $$
  select case
    when p_bucket in ('avatars', 'exports') then (storage.foldername(p_name))[1]
    when p_bucket in ('uploads', 'audio', 'results') and (storage.foldername(p_name))[1] in ('coach', 'companion', 'quit', 'diary', 'pickitchen')
      then (storage.foldername(p_name))[2]
  end
$$;

comment on function internal.object_user_segment(p_bucket text, p_name text) is 'The path segment naming an object''s owner: the first folder in avatars/exports, the second (after a known app id) in uploads/audio/results. Null for paths that fit no layout.';

grant all on function internal.object_user_segment(p_bucket text, p_name text) to anon;
grant all on function internal.object_user_segment(p_bucket text, p_name text) to authenticated;
grant all on function internal.object_user_segment(p_bucket text, p_name text) to service_role;

create policy "anyone can read avatars" on storage.objects for select to anon using ((bucket_id = 'avatars'::text));

create policy "users can add own audio" on storage.objects for insert to authenticated with check (((bucket_id = 'audio'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can add own uploads" on storage.objects for insert to authenticated with check (((bucket_id = 'uploads'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can delete own audio" on storage.objects for delete to authenticated using (((bucket_id = 'audio'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can delete own avatars" on storage.objects for delete to authenticated using (((bucket_id = 'avatars'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can delete own uploads" on storage.objects for delete to authenticated using (((bucket_id = 'uploads'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can read avatars" on storage.objects for select to authenticated using ((bucket_id = 'avatars'::text));

create policy "users can read own audio" on storage.objects for select to authenticated using (((bucket_id = 'audio'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can read own results" on storage.objects for select to authenticated using (((bucket_id = 'results'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can read own uploads" on storage.objects for select to authenticated using (((bucket_id = 'uploads'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can replace own audio" on storage.objects for update to authenticated using (((bucket_id = 'audio'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text))) with check (((bucket_id = 'audio'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can replace own avatars" on storage.objects for update to authenticated using (((bucket_id = 'avatars'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text))) with check (((bucket_id = 'avatars'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can replace own uploads" on storage.objects for update to authenticated using (((bucket_id = 'uploads'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text))) with check (((bucket_id = 'uploads'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can upload own avatars" on storage.objects for insert to authenticated with check (((bucket_id = 'avatars'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

-- ======================================================================================================================
-- 30_wallet.sql
-- ======================================================================================================================

-- The wallet: currencies, accounts and the append-only ledger; every balance change goes through wallet_post /
-- wallet_consume.
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create function internal.ledger_violations() returns table(account_id uuid, balance bigint, entries_sum bigint, problem text)
    language sql stable
    set search_path to ''
    as $$
  select a.id, a.balance, coalesce(s.total, 0), 'balance differs from the sum of its entries'
    from public.wallet_accounts a
    left join (select e.account_id, sum(e.amount)::bigint as total from public.wallet_entries e group by e.account_id) s on s.account_id = a.id
   where a.balance <> coalesce(s.total, 0)
  union all
  select a.id, a.balance, null, 'negative balance without a refund that caused it'
    from public.wallet_accounts a
   where a.balance < 0
     and not exists (select 1 from public.wallet_entries e where e.account_id = a.id and e.kind = 'refund' and e.balance_after < 0)
  union all
  select e.account_id, e.balance_after, null, 'an entry''s balance_after does not follow from the previous one'
    from (select x.account_id, x.balance_after, x.amount,
                 lag(x.balance_after, 1, 0::bigint) over (partition by x.account_id order by x.id) as before
            from public.wallet_entries x) e
   where e.balance_after <> e.before + e.amount
$$;

comment on function internal.ledger_violations() is 'Ledger invariants (balance = sum of entries, no unexplained negative balance, a consistent balance_after chain). Empty when the ledger is sound; checked after every test run.';

revoke all on function internal.ledger_violations() from public;
grant all on function internal.ledger_violations() to service_role;

create function internal.wallet_entries_guard() returns trigger
    language plpgsql
    set search_path to ''
    as $$
begin
  -- Deleting the account (its user was deleted) takes its entries with it; nothing else may.
  if tg_op = 'DELETE' and pg_catalog.pg_trigger_depth() > 1 then
    return old;
  end if;
  raise exception using errcode = '42501', message = 'public.wallet_entries is append-only';
end
$$;

comment on function internal.wallet_entries_guard() is 'Trigger: the ledger is append-only; entries go only with their deleted account.';

create function public.wallet_consume(p_app_id public.app_id, p_user_id uuid, p_currency text, p_amount bigint, p_reason text, p_idempotency_key text, p_ref_type text default null::text, p_ref_id text default null::text) returns jsonb
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_account public.wallet_accounts;
  v_posted internal.wallet_posting;
begin
  if p_amount is null or p_amount <= 0 then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = 'A spend needs a positive amount.';
  end if;
  if not exists (select 1 from public.wallet_currencies c where c.app_id = p_app_id and c.currency = p_currency) then
    raise exception using errcode = 'P0001', message = 'NOT_FOUND', detail = format('This app keeps no "%s" balance.', p_currency);
  end if;
  -- Under the account's lock "had this key already spent?" is race-free: a concurrent retry waits for the lock
  -- and then finds the first one's entry.
  v_account := internal.wallet_account_locked(p_app_id, p_user_id, p_currency);
  v_posted := internal.wallet_post_locked(v_account, -p_amount, 'consume', p_reason, p_idempotency_key, p_ref_type, p_ref_id, null);
  return jsonb_build_object(
    'entry', to_jsonb(v_posted.entry),
    'replayed', v_posted.replayed,
    -- The lock is held: a replay leaves the balance as it was read, a new entry says what it left.
    'balance', case when v_posted.replayed then v_account.balance else (v_posted.entry).balance_after end);
end
$$;
revoke all on function public.wallet_consume(public.app_id, uuid, text, bigint, text, text, text, text) from anon, authenticated, service_role;

comment on function public.wallet_consume(p_app_id public.app_id, p_user_id uuid, p_currency text, p_amount bigint, p_reason text, p_idempotency_key text, p_ref_type text, p_ref_id text) is 'Spends p_amount (positive) from a user''s balance in a currency the app keeps, once per idempotency key. Returns {entry, replayed, balance}. INSUFFICIENT_BALANCE / IDEMPOTENCY_CONFLICT / NOT_FOUND / VALIDATION_FAILED as P0001.';

revoke all on function public.wallet_consume(p_app_id public.app_id, p_user_id uuid, p_currency text, p_amount bigint, p_reason text, p_idempotency_key text, p_ref_type text, p_ref_id text) from public;
grant all on function public.wallet_consume(p_app_id public.app_id, p_user_id uuid, p_currency text, p_amount bigint, p_reason text, p_idempotency_key text, p_ref_type text, p_ref_id text) to service_role;

-- public.wallet_currencies ------------------------------------------------------------------------------------------

create table public.wallet_currencies (
    app_id public.app_id not null,
    currency text not null,
    name text not null,
    name_zh text not null,
    constraint wallet_currencies_currency_check check ((currency ~ '^[a-z_]{2,20}$'::text))
);
revoke all on table public.wallet_currencies from anon, authenticated, service_role;

comment on table public.wallet_currencies is 'Which balances each app keeps (diary points, pickitchen points, companion coins). Catalog data from seed/.';

alter table only public.wallet_currencies
    add constraint wallet_currencies_pkey primary key (app_id, currency);

alter table only public.wallet_currencies
    add constraint wallet_currencies_app_id_fkey foreign key (app_id) references public.apps(id);

create policy "anon can read wallet currencies" on public.wallet_currencies for select to anon using (true);

create policy "authenticated users can read wallet currencies" on public.wallet_currencies for select to authenticated using (true);

alter table public.wallet_currencies enable row level security;

grant select on table public.wallet_currencies to anon;
grant select on table public.wallet_currencies to authenticated;
grant select on table public.wallet_currencies to service_role;

-- public.wallet_accounts --------------------------------------------------------------------------------------------

create table public.wallet_accounts (
    id uuid default gen_random_uuid() not null,
    app_id public.app_id not null,
    user_id uuid not null,
    currency text not null,
    balance bigint default 0 not null,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null
);
revoke all on table public.wallet_accounts from anon, authenticated, service_role;

comment on table public.wallet_accounts is 'One balance per user, app and currency. Changed only by public.wallet_post(); equals the sum of its entries.';

alter table only public.wallet_accounts
    add constraint wallet_accounts_owner_key unique (app_id, user_id, currency);

alter table only public.wallet_accounts
    add constraint wallet_accounts_pkey primary key (id);

create index wallet_accounts_user_id_idx on public.wallet_accounts using btree (user_id);

alter table only public.wallet_accounts
    add constraint wallet_accounts_currency_fkey foreign key (app_id, currency) references public.wallet_currencies(app_id, currency);

alter table only public.wallet_accounts
    add constraint wallet_accounts_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

create policy "service role can read wallet accounts" on public.wallet_accounts for select to service_role using (true);

create policy "users can read own wallet accounts" on public.wallet_accounts for select to authenticated using ((user_id = ( select auth.uid() as uid)));

alter table public.wallet_accounts enable row level security;

grant select on table public.wallet_accounts to authenticated;
grant select on table public.wallet_accounts to service_role;

-- public.wallet_entries ---------------------------------------------------------------------------------------------

create table public.wallet_entries (
    id bigint not null,
    account_id uuid not null,
    user_id uuid not null,
    app_id public.app_id not null,
    currency text not null,
    amount bigint not null,
    balance_after bigint not null,
    kind text not null,
    reason text not null,
    idempotency_key text not null,
    ref_type text,
    ref_id text,
    period text,
    created_at timestamp with time zone default now() not null,
    constraint wallet_entries_amount_check check ((amount <> 0)),
    constraint wallet_entries_idempotency_key_check check (((char_length(idempotency_key) >= 1) and (char_length(idempotency_key) <= 200))),
    constraint wallet_entries_kind_check check ((kind = any (array['purchase'::text, 'reward'::text, 'consume'::text, 'refund'::text, 'adjust'::text, 'expire'::text]))),
    constraint wallet_entries_period_check check ((period ~ '^\d{4}-(W\d{2}|\d{2}(-\d{2})?)$'::text)),
    constraint wallet_entries_reason_check check (((char_length(reason) >= 1) and (char_length(reason) <= 300))),
    constraint wallet_entries_ref_id_check check (((char_length(ref_id) >= 1) and (char_length(ref_id) <= 200))),
    constraint wallet_entries_ref_type_check check (((char_length(ref_type) >= 1) and (char_length(ref_type) <= 64))),
    constraint wallet_entries_sign check ((((kind = any (array['purchase'::text, 'reward'::text])) and (amount > 0)) or ((kind = any (array['consume'::text, 'expire'::text])) and (amount < 0)) or (kind = any (array['refund'::text, 'adjust'::text]))))
);
revoke all on table public.wallet_entries from anon, authenticated, service_role;

comment on table public.wallet_entries is 'Append-only ledger: every change of a wallet balance with the balance it left. Written only by public.wallet_post().';

alter table public.wallet_entries alter column id add generated always as identity (
    SEQUENCE NAME public.wallet_entries_id_seq
    start with 1
    increment by 1
    no minvalue
    no maxvalue
    cache 1
);
revoke all on sequence public.wallet_entries_id_seq from anon, authenticated, service_role;

alter table only public.wallet_entries
    add constraint wallet_entries_idempotency_key unique (account_id, idempotency_key);

alter table only public.wallet_entries
    add constraint wallet_entries_pkey primary key (id);

create index wallet_entries_account_id_idx on public.wallet_entries using btree (account_id, id);

create unique index wallet_entries_period_key on public.wallet_entries using btree (account_id, ref_type, period) where (period is not null);

create index wallet_entries_ref_idx on public.wallet_entries using btree (ref_type, ref_id) where (ref_id is not null);

create index wallet_entries_user_app_id_idx on public.wallet_entries using btree (user_id, app_id, id desc);

create trigger wallet_entries_append_only before delete or update on public.wallet_entries for each row execute function internal.wallet_entries_guard();

alter table only public.wallet_entries
    add constraint wallet_entries_account_id_fkey foreign key (account_id) references public.wallet_accounts(id) on delete cascade;

create policy "service role can read wallet entries" on public.wallet_entries for select to service_role using (true);

create policy "users can read own wallet entries" on public.wallet_entries for select to authenticated using ((user_id = ( select auth.uid() as uid)));

alter table public.wallet_entries enable row level security;

grant select on table public.wallet_entries to authenticated;
grant select on table public.wallet_entries to service_role;

grant all on sequence public.wallet_entries_id_seq to anon;
grant all on sequence public.wallet_entries_id_seq to authenticated;
grant all on sequence public.wallet_entries_id_seq to service_role;

create type internal.wallet_posting as (
	entry public.wallet_entries,
	replayed boolean
);

create function internal.wallet_account_locked(p_app_id public.app_id, p_user_id uuid, p_currency text) returns public.wallet_accounts
    language plpgsql
    set search_path to ''
    as $$
declare
  v_account public.wallet_accounts;
begin
  insert into public.wallet_accounts (app_id, user_id, currency) values (p_app_id, p_user_id, p_currency)
  on conflict (app_id, user_id, currency) do nothing;
  select * into v_account from public.wallet_accounts a
   where a.app_id = p_app_id and a.user_id = p_user_id and a.currency = p_currency
     for update;
  return v_account;
end
$$;

comment on function internal.wallet_account_locked(p_app_id public.app_id, p_user_id uuid, p_currency text) is 'A user''s wallet account in a currency, created when missing, locked FOR UPDATE until the transaction ends.';

revoke all on function internal.wallet_account_locked(p_app_id public.app_id, p_user_id uuid, p_currency text) from public;

create function internal.wallet_post_locked(p_account public.wallet_accounts, p_amount bigint, p_kind text, p_reason text, p_idempotency_key text, p_ref_type text, p_ref_id text, p_period text) returns internal.wallet_posting
    language plpgsql
    set search_path to ''
    as $$
declare
  v_entry public.wallet_entries;
  v_balance bigint;
begin
  select * into v_entry from public.wallet_entries e where e.account_id = p_account.id and e.idempotency_key = p_idempotency_key;
  if found then
    if v_entry.amount <> p_amount or v_entry.kind <> p_kind then
      raise exception using errcode = 'P0001', message = 'IDEMPOTENCY_CONFLICT',
        detail = 'This idempotency key was already used for a different wallet change.';
    end if;
    return row(v_entry, true)::internal.wallet_posting;
  end if;
  if p_period is not null then
    select * into v_entry from public.wallet_entries e
     where e.account_id = p_account.id and e.ref_type is not distinct from p_ref_type and e.period = p_period;
    if found then
      return row(v_entry, true)::internal.wallet_posting;
    end if;
  end if;

  v_balance := p_account.balance + p_amount;
  if v_balance < 0 and p_kind <> 'refund' then
    raise exception using errcode = 'P0001', message = 'INSUFFICIENT_BALANCE',
      detail = format('The balance is %s %s; this needs %s.', p_account.balance, p_account.currency, -p_amount);
  end if;

  insert into public.wallet_entries (account_id, user_id, app_id, currency, amount, balance_after, kind, reason,
                                     idempotency_key, ref_type, ref_id, period)
  values (p_account.id, p_account.user_id, p_account.app_id, p_account.currency, p_amount, v_balance, p_kind,
          -- A store refund may take back what was already spent: the entry says so.
          case when v_balance < 0 then left(p_reason, 240) || ' (balance below zero: already spent)' else p_reason end,
          p_idempotency_key, p_ref_type, p_ref_id, p_period)
  returning * into v_entry;
  update public.wallet_accounts set balance = v_balance, updated_at = now() where id = p_account.id;
  return row(v_entry, false)::internal.wallet_posting;
end
$$;

comment on function internal.wallet_post_locked(p_account public.wallet_accounts, p_amount bigint, p_kind text, p_reason text, p_idempotency_key text, p_ref_type text, p_ref_id text, p_period text) is 'The posting behind wallet_post and wallet_consume, for an account row the caller has locked FOR UPDATE: the entry, and whether it already existed (same idempotency key, or the same ref and period).';

revoke all on function internal.wallet_post_locked(p_account public.wallet_accounts, p_amount bigint, p_kind text, p_reason text, p_idempotency_key text, p_ref_type text, p_ref_id text, p_period text) from public;

create function public.wallet_post(p_app_id public.app_id, p_user_id uuid, p_currency text, p_amount bigint, p_kind text, p_reason text, p_idempotency_key text, p_ref_type text default null::text, p_ref_id text default null::text, p_period text default null::text) returns public.wallet_entries
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  if p_amount is null or p_amount = 0 then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = 'A wallet entry needs a non-zero amount.';
  end if;
  return (internal.wallet_post_locked(internal.wallet_account_locked(p_app_id, p_user_id, p_currency),
                                      p_amount, p_kind, p_reason, p_idempotency_key, p_ref_type, p_ref_id, p_period)).entry;
end
$$;
revoke all on function public.wallet_post(public.app_id, uuid, text, bigint, text, text, text, text, text, text) from anon, authenticated, service_role;

comment on function public.wallet_post(p_app_id public.app_id, p_user_id uuid, p_currency text, p_amount bigint, p_kind text, p_reason text, p_idempotency_key text, p_ref_type text, p_ref_id text, p_period text) is 'The only way a balance changes: locks the account, refuses to go below zero (except for refunds, which say so), appends the entry with balance_after, updates the balance. A repeated idempotency key (or a second periodic entry for the same ref and period) returns the original entry and changes nothing. Security definer because no role may write the ledger tables directly.';

revoke all on function public.wallet_post(p_app_id public.app_id, p_user_id uuid, p_currency text, p_amount bigint, p_kind text, p_reason text, p_idempotency_key text, p_ref_type text, p_ref_id text, p_period text) from public;
grant all on function public.wallet_post(p_app_id public.app_id, p_user_id uuid, p_currency text, p_amount bigint, p_kind text, p_reason text, p_idempotency_key text, p_ref_type text, p_ref_id text, p_period text) to service_role;

-- ======================================================================================================================
-- 40_commerce.sql
-- ======================================================================================================================

-- Commerce: products, orders, subscriptions and entitlements, and the store webhooks' inbox.
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create function public.commerce_apply_subscription(p_user_id uuid, p_product_id text, p_store text, p_source text, p_original_transaction_id text, p_event_at timestamp with time zone, p_status text, p_will_renew boolean, p_period_start timestamp with time zone, p_period_end timestamp with time zone, p_grant_period boolean default false) returns jsonb
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_product public.products;
  v_sub public.subscriptions;
  v_week text;
  v_granted boolean := false;
begin
  select * into v_product from public.products where id = p_product_id and kind = 'subscription';
  if not found then
    raise exception using errcode = 'P0001', message = 'NOT_FOUND', detail = format('Unknown subscription product %s.', p_product_id);
  end if;
  select * into v_sub from public.subscriptions where store = p_store and original_transaction_id = p_original_transaction_id for update;
  if found and p_event_at < v_sub.last_event_at then
    -- A late retry of an older event: the newer state stands.
    return jsonb_build_object('result', 'stale', 'subscription_id', v_sub.id);
  end if;
  if found then
    update public.subscriptions set user_id = p_user_id, app_id = v_product.app_id, product_id = p_product_id, plan = v_product.plan,
           status = p_status, will_renew = p_will_renew,
           current_period_start = coalesce(p_period_start, current_period_start),
           current_period_end = case when v_product.plan = 'lifetime' then null else coalesce(p_period_end, current_period_end) end,
           cancelled_at = case when p_status = 'cancelled' and cancelled_at is null then p_event_at
                               when p_status = 'active' then null else cancelled_at end,
           last_event_at = p_event_at
     where id = v_sub.id returning * into v_sub;
  else
    insert into public.subscriptions (app_id, user_id, product_id, plan, status, will_renew, current_period_start, current_period_end,
                                      store, original_transaction_id, source, last_event_at, cancelled_at)
    values (v_product.app_id, p_user_id, p_product_id, v_product.plan, p_status, p_will_renew, p_period_start,
            case when v_product.plan = 'lifetime' then null else p_period_end end,
            p_store, p_original_transaction_id, p_source, p_event_at, case when p_status = 'cancelled' then p_event_at end)
    returning * into v_sub;
  end if;
  -- A new weekly VIP gets this week's points at once; the Monday job grants the following weeks.
  if p_grant_period and p_status = 'active' and v_product.plan = 'weekly' and v_product.grant_amount > 0 then
    v_week := to_char(p_event_at at time zone 'UTC', 'IYYY-"W"IW');
    perform public.wallet_post(v_product.app_id, p_user_id, v_product.currency, v_product.grant_amount, 'reward',
                               format('%s: points of week %s', v_product.title, v_week), format('vip_weekly_grant:%s', v_week),
                               'vip_weekly_grant', v_sub.id::text, v_week);
    v_granted := true;
  end if;
  return jsonb_build_object('result', 'applied', 'subscription_id', v_sub.id, 'granted', v_granted);
end
$$;
revoke all on function public.commerce_apply_subscription(uuid, text, text, text, text, timestamp with time zone, text, boolean, timestamp with time zone, timestamp with time zone, boolean) from anon, authenticated, service_role;

comment on function public.commerce_apply_subscription(p_user_id uuid, p_product_id text, p_store text, p_source text, p_original_transaction_id text, p_event_at timestamp with time zone, p_status text, p_will_renew boolean, p_period_start timestamp with time zone, p_period_end timestamp with time zone, p_grant_period boolean) is 'Applies a store''s subscription state if it is newer than the last applied event (per store and original transaction); a new weekly VIP gets the current ISO week''s points once. Security definer: subscriptions and the ledger have no write grants.';

revoke all on function public.commerce_apply_subscription(p_user_id uuid, p_product_id text, p_store text, p_source text, p_original_transaction_id text, p_event_at timestamp with time zone, p_status text, p_will_renew boolean, p_period_start timestamp with time zone, p_period_end timestamp with time zone, p_grant_period boolean) from public;
grant all on function public.commerce_apply_subscription(p_user_id uuid, p_product_id text, p_store text, p_source text, p_original_transaction_id text, p_event_at timestamp with time zone, p_status text, p_will_renew boolean, p_period_start timestamp with time zone, p_period_end timestamp with time zone, p_grant_period boolean) to service_role;

create function public.commerce_transfer_subscriptions(p_source text, p_from_user uuid, p_to_user uuid, p_event_at timestamp with time zone) returns integer
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_moved integer;
begin
  update public.subscriptions set user_id = p_to_user, last_event_at = greatest(last_event_at, p_event_at)
   where source = p_source and user_id = p_from_user and last_event_at <= p_event_at;
  get diagnostics v_moved = row_count;
  return v_moved;
end
$$;
revoke all on function public.commerce_transfer_subscriptions(text, uuid, uuid, timestamp with time zone) from anon, authenticated, service_role;

comment on function public.commerce_transfer_subscriptions(p_source text, p_from_user uuid, p_to_user uuid, p_event_at timestamp with time zone) is 'Moves a store account''s subscriptions to another user (RevenueCat TRANSFER: the same store account restored under a new app user). Security definer, as above.';

revoke all on function public.commerce_transfer_subscriptions(p_source text, p_from_user uuid, p_to_user uuid, p_event_at timestamp with time zone) from public;
grant all on function public.commerce_transfer_subscriptions(p_source text, p_from_user uuid, p_to_user uuid, p_event_at timestamp with time zone) to service_role;

-- public.products ---------------------------------------------------------------------------------------------------

create table public.products (
    id text not null,
    app_id public.app_id not null,
    kind text not null,
    plan text,
    currency text,
    grant_amount integer default 0 not null,
    app_store_product_id text,
    play_store_product_id text,
    title text not null,
    price_hint text,
    active boolean default true not null,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    constraint products_grant_amount_check check ((grant_amount >= 0)),
    constraint products_grant_currency check (((grant_amount > 0) = (currency is not null))),
    constraint products_id_check check ((id ~ '^[a-z0-9_]+\.[a-z0-9_]+$'::text)),
    constraint products_kind_check check ((kind = any (array['subscription'::text, 'points_pack'::text, 'coins_pack'::text]))),
    constraint products_plan_check check ((plan = any (array['weekly'::text, 'monthly'::text, 'yearly'::text, 'lifetime'::text]))),
    constraint products_plan_for_subscriptions check (((kind = 'subscription'::text) = (plan is not null)))
);
revoke all on table public.products from anon, authenticated, service_role;

comment on table public.products is 'The catalog per app: subscriptions (plan) and point/coin packs (grant_amount), with their App Store and Play product ids. Catalog data from seed/; edited by admins.';

alter table only public.products
    add constraint products_app_store_product_id_key unique (app_store_product_id);

alter table only public.products
    add constraint products_pkey primary key (id);

alter table only public.products
    add constraint products_play_store_product_id_key unique (play_store_product_id);

create index products_app_id_idx on public.products using btree (app_id);

create trigger products_set_updated_at before update on public.products for each row execute function internal.set_updated_at();

alter table only public.products
    add constraint products_app_id_fkey foreign key (app_id) references public.apps(id);

alter table only public.products
    add constraint products_currency_fkey foreign key (app_id, currency) references public.wallet_currencies(app_id, currency);

create policy "anon can read active products" on public.products for select to anon using (active);

create policy "authenticated users can read active products" on public.products for select to authenticated using (active);

alter table public.products enable row level security;

create policy "service role can read products" on public.products for select to service_role using (true);

grant select on table public.products to anon;
grant select on table public.products to authenticated;
grant select on table public.products to service_role;

-- public.orders -----------------------------------------------------------------------------------------------------

create table public.orders (
    id uuid default gen_random_uuid() not null,
    app_id public.app_id not null,
    user_id uuid not null,
    product_id text not null,
    status text default 'pending'::text not null,
    store text,
    store_transaction_id text,
    quantity integer default 1 not null,
    price numeric(12,2),
    price_currency text,
    granted_amount integer default 0 not null,
    idempotency_key text,
    created_at timestamp with time zone default now() not null,
    paid_at timestamp with time zone,
    refunded_at timestamp with time zone,
    updated_at timestamp with time zone default now() not null,
    constraint orders_idempotency_key_check check (((char_length(idempotency_key) >= 1) and (char_length(idempotency_key) <= 200))),
    constraint orders_paid_has_transaction check (((status = 'pending'::text) or (status = 'failed'::text) or (store_transaction_id is not null))),
    constraint orders_price_currency_check check ((price_currency ~ '^[A-Z]{3}$'::text)),
    constraint orders_quantity_check check (((quantity >= 1) and (quantity <= 100))),
    constraint orders_status_check check ((status = any (array['pending'::text, 'paid'::text, 'failed'::text, 'refunded'::text]))),
    constraint orders_store_check check ((store = any (array['app_store'::text, 'play_store'::text]))),
    constraint orders_store_transaction_id_check check (((char_length(store_transaction_id) >= 1) and (char_length(store_transaction_id) <= 200)))
);
revoke all on table public.orders from anon, authenticated, service_role;

comment on table public.orders is 'One purchase of a product: pending (created by the app before paying) → paid (confirmed by a store) → refunded, or failed. Unique per store transaction.';

alter table only public.orders
    add constraint orders_idempotency_key unique (user_id, idempotency_key);

alter table only public.orders
    add constraint orders_pkey primary key (id);

alter table only public.orders
    add constraint orders_store_transaction_key unique (store, store_transaction_id);

create index orders_product_id_idx on public.orders using btree (product_id);

create index orders_user_id_app_id_idx on public.orders using btree (user_id, app_id, created_at desc);

create trigger orders_set_updated_at before update on public.orders for each row execute function internal.set_updated_at();

alter table only public.orders
    add constraint orders_product_id_fkey foreign key (product_id) references public.products(id);

alter table only public.orders
    add constraint orders_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table public.orders enable row level security;

create policy "service role can read orders" on public.orders for select to service_role using (true);

create policy "users can read own orders" on public.orders for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table public.orders to authenticated;
grant select on table public.orders to service_role;

create function public.commerce_apply_purchase(p_user_id uuid, p_product_id text, p_store text, p_transaction_id text, p_purchased_at timestamp with time zone, p_price numeric default null::numeric, p_price_currency text default null::text, p_order_id uuid default null::uuid, p_quantity integer default 1) returns public.orders
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_product public.products;
  v_order public.orders;
  v_amount integer;
begin
  select * into v_product from public.products where id = p_product_id;
  if not found then
    raise exception using errcode = 'P0001', message = 'NOT_FOUND', detail = format('Unknown product %s.', p_product_id);
  end if;
  -- One order per store transaction, whoever reports it first and however often.
  select * into v_order from public.orders where store = p_store and store_transaction_id = p_transaction_id for update;
  if found then
    return v_order;
  end if;
  if p_order_id is not null then
    select * into v_order from public.orders
     where id = p_order_id and user_id = p_user_id and product_id = p_product_id and status = 'pending' for update;
  end if;
  v_amount := v_product.grant_amount * coalesce(p_quantity, 1);
  if v_order.id is not null then
    update public.orders set status = 'paid', store = p_store, store_transaction_id = p_transaction_id, paid_at = p_purchased_at,
           price = p_price, price_currency = p_price_currency, granted_amount = v_amount
     where id = v_order.id returning * into v_order;
  else
    insert into public.orders (app_id, user_id, product_id, status, store, store_transaction_id, quantity, price, price_currency, granted_amount, paid_at)
    values (v_product.app_id, p_user_id, p_product_id, 'paid', p_store, p_transaction_id, coalesce(p_quantity, 1), p_price, p_price_currency, v_amount, p_purchased_at)
    returning * into v_order;
  end if;
  if v_product.kind <> 'subscription' and v_amount > 0 then
    perform public.wallet_post(v_product.app_id, p_user_id, v_product.currency, v_amount, 'purchase',
                               format('Bought %s', v_product.title), format('purchase:%s:%s', p_store, p_transaction_id),
                               'order', v_order.id::text);
  end if;
  return v_order;
end
$$;
revoke all on function public.commerce_apply_purchase(uuid, text, text, text, timestamp with time zone, numeric, text, uuid, integer) from anon, authenticated, service_role;

comment on function public.commerce_apply_purchase(p_user_id uuid, p_product_id text, p_store text, p_transaction_id text, p_purchased_at timestamp with time zone, p_price numeric, p_price_currency text, p_order_id uuid, p_quantity integer) is 'A store-confirmed purchase: marks the pending order paid (or records a new one) and credits a pack''s points or coins, once per store transaction. Security definer: orders and the ledger have no write grants.';

revoke all on function public.commerce_apply_purchase(p_user_id uuid, p_product_id text, p_store text, p_transaction_id text, p_purchased_at timestamp with time zone, p_price numeric, p_price_currency text, p_order_id uuid, p_quantity integer) from public;
grant all on function public.commerce_apply_purchase(p_user_id uuid, p_product_id text, p_store text, p_transaction_id text, p_purchased_at timestamp with time zone, p_price numeric, p_price_currency text, p_order_id uuid, p_quantity integer) to service_role;

create function public.commerce_apply_refund(p_store text, p_transaction_id text, p_refunded_at timestamp with time zone) returns public.orders
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_order public.orders;
  v_product public.products;
begin
  select * into v_order from public.orders where store = p_store and store_transaction_id = p_transaction_id for update;
  if not found or v_order.status = 'refunded' then
    return v_order;
  end if;
  update public.orders set status = 'refunded', refunded_at = p_refunded_at where id = v_order.id returning * into v_order;
  select * into v_product from public.products where id = v_order.product_id;
  if v_order.granted_amount > 0 and v_product.kind <> 'subscription' then
    -- Take back what the purchase credited, even if it was spent (the entry says so).
    perform public.wallet_post(v_order.app_id, v_order.user_id, v_product.currency, -v_order.granted_amount, 'refund',
                               format('Refunded: %s', v_product.title), format('refund:%s:%s', p_store, p_transaction_id),
                               'order', v_order.id::text);
  end if;
  return v_order;
end
$$;
revoke all on function public.commerce_apply_refund(text, text, timestamp with time zone) from anon, authenticated, service_role;

comment on function public.commerce_apply_refund(p_store text, p_transaction_id text, p_refunded_at timestamp with time zone) is 'A store refund: marks the order refunded and reverses the credited points or coins through the ledger, once. Security definer, as above.';

revoke all on function public.commerce_apply_refund(p_store text, p_transaction_id text, p_refunded_at timestamp with time zone) from public;
grant all on function public.commerce_apply_refund(p_store text, p_transaction_id text, p_refunded_at timestamp with time zone) to service_role;

create function public.create_order(p_app_id public.app_id, p_product_id text, p_quantity integer default 1, p_idempotency_key text default null::text) returns public.orders
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_user uuid := auth.uid();
  v_order public.orders;
  -- Products belong to one app: the same product is the same app.
  v_request jsonb := jsonb_build_object('product_id', p_product_id, 'quantity', p_quantity);
begin
  if v_user is null then
    raise exception using errcode = '42501', message = 'NOT_AUTHENTICATED', detail = 'A signed-in user is required.';
  end if;
  perform 1 from public.products where id = p_product_id and app_id = p_app_id and active;
  if not found then
    raise exception using errcode = 'P0001', message = 'NOT_FOUND', detail = format('There is no product %s in %s.', p_product_id, p_app_id);
  end if;
  if p_idempotency_key is not null then
    v_order := jsonb_populate_record(null::public.orders, internal.idempotent_row('public.orders', v_user, p_idempotency_key, v_request));
    if v_order.id is not null then
      return v_order;
    end if;
  end if;
  insert into public.orders (app_id, user_id, product_id, quantity, idempotency_key)
  values (p_app_id, v_user, p_product_id, p_quantity, p_idempotency_key)
  on conflict (user_id, idempotency_key) do nothing
  returning * into v_order;
  if v_order.id is null then
    -- A request with the same key created its order while this one was checking: that order is the answer.
    return jsonb_populate_record(null::public.orders, internal.idempotent_row('public.orders', v_user, p_idempotency_key, v_request));
  end if;
  return v_order;
end
$$;
revoke all on function public.create_order(public.app_id, text, integer, text) from anon, authenticated, service_role;

comment on function public.create_order(p_app_id public.app_id, p_product_id text, p_quantity integer, p_idempotency_key text) is 'Creates the caller''s pending order for an active product of the app (its id goes to the store as the app account token); idempotent per Idempotency-Key, also for requests that arrive together. Security definer: orders have no client write grants.';

revoke all on function public.create_order(p_app_id public.app_id, p_product_id text, p_quantity integer, p_idempotency_key text) from public;
grant all on function public.create_order(p_app_id public.app_id, p_product_id text, p_quantity integer, p_idempotency_key text) to authenticated;
grant all on function public.create_order(p_app_id public.app_id, p_product_id text, p_quantity integer, p_idempotency_key text) to service_role;

create function public.product_for_store(p_store text, p_store_product_id text) returns public.products
    language sql stable security definer
    set search_path to ''
    as $$
  select p.* from public.products p
   where (p_store = 'app_store' and p.app_store_product_id = p_store_product_id)
      or (p_store = 'play_store' and p.play_store_product_id = p_store_product_id)
      or p.id = p_store_product_id
   limit 1
$$;
revoke all on function public.product_for_store(text, text) from anon, authenticated, service_role;

comment on function public.product_for_store(p_store text, p_store_product_id text) is 'Our product for a store''s product id (or our own id). Security definer for a stable, grant-free lookup by the integrations.';

revoke all on function public.product_for_store(p_store text, p_store_product_id text) from public;
grant all on function public.product_for_store(p_store text, p_store_product_id text) to service_role;

-- internal.webhook_events -------------------------------------------------------------------------------------------

create table internal.webhook_events (
    id bigint not null,
    provider text not null,
    event_id text,
    event_type text,
    status text not null,
    reason text,
    payload jsonb,
    received_at timestamp with time zone default now() not null,
    processed_at timestamp with time zone,
    acknowledgement_owed boolean default false not null,
    constraint webhook_events_event_id_check check (((char_length(event_id) >= 1) and (char_length(event_id) <= 200))),
    constraint webhook_events_provider_check check ((provider = any (array['revenuecat'::text, 'apple'::text, 'google'::text]))),
    constraint webhook_events_status_check check ((status = any (array['received'::text, 'processed'::text, 'ignored'::text, 'stale'::text, 'rejected'::text])))
);

comment on table internal.webhook_events is 'Inbox of store webhooks (RevenueCat, Apple, Google): one row per event id (replays are no-ops), plus rejected attempts. Server-only.';

comment on column internal.webhook_events.acknowledgement_owed is 'The store still awaits our acknowledgement of this event''s purchase (Google Play); claimed by the delivery that makes it.';

alter table internal.webhook_events alter column id add generated always as identity (
    SEQUENCE NAME internal.webhook_events_id_seq
    start with 1
    increment by 1
    no minvalue
    no maxvalue
    cache 1
);

alter table only internal.webhook_events
    add constraint webhook_events_pkey primary key (id);

alter table only internal.webhook_events
    add constraint webhook_events_provider_event_key unique (provider, event_id);

create index webhook_events_received_at_idx on internal.webhook_events using btree (provider, received_at desc);

grant select,insert,update on table internal.webhook_events to service_role;

-- public.subscriptions ----------------------------------------------------------------------------------------------

create table public.subscriptions (
    id uuid default gen_random_uuid() not null,
    app_id public.app_id not null,
    user_id uuid not null,
    product_id text not null,
    plan text not null,
    status text not null,
    will_renew boolean default true not null,
    current_period_start timestamp with time zone,
    current_period_end timestamp with time zone,
    store text not null,
    original_transaction_id text not null,
    source text not null,
    last_event_at timestamp with time zone not null,
    cancelled_at timestamp with time zone,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    constraint subscriptions_original_transaction_id_check check (((char_length(original_transaction_id) >= 1) and (char_length(original_transaction_id) <= 200))),
    constraint subscriptions_source_check check ((source = any (array['revenuecat'::text, 'apple'::text, 'google'::text]))),
    constraint subscriptions_status_check check ((status = any (array['active'::text, 'cancelled'::text, 'expired'::text, 'billing_issue'::text, 'paused'::text]))),
    constraint subscriptions_store_check check ((store = any (array['app_store'::text, 'play_store'::text])))
);
revoke all on table public.subscriptions from anon, authenticated, service_role;

comment on table public.subscriptions is 'A store subscription per user and app: plan, status, renewal, current period. Applied by event time (last_event_at watermark), so late webhook retries never undo newer state.';

alter table only public.subscriptions
    add constraint subscriptions_pkey primary key (id);

alter table only public.subscriptions
    add constraint subscriptions_store_transaction_key unique (store, original_transaction_id);

create index subscriptions_product_id_idx on public.subscriptions using btree (product_id);

create index subscriptions_user_id_app_id_idx on public.subscriptions using btree (user_id, app_id);

create index subscriptions_weekly_grant_idx on public.subscriptions using btree (app_id, plan, status) where (status = any (array['active'::text, 'cancelled'::text, 'billing_issue'::text]));

create trigger subscriptions_set_updated_at before update on public.subscriptions for each row execute function internal.set_updated_at();

alter table only public.subscriptions
    add constraint subscriptions_product_id_fkey foreign key (product_id) references public.products(id);

alter table only public.subscriptions
    add constraint subscriptions_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

create policy "service role can read subscriptions" on public.subscriptions for select to service_role using (true);

alter table public.subscriptions enable row level security;

create policy "users can read own subscriptions" on public.subscriptions for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table public.subscriptions to authenticated;
grant select on table public.subscriptions to service_role;

-- public.entitlements -----------------------------------------------------------------------------------------------

create view public.entitlements with (security_invoker='true') as
 select s.user_id,
    s.app_id,
    true as is_vip,
    (array_agg(s.plan order by
        case s.plan
            when 'lifetime'::text then 0
            when 'yearly'::text then 1
            when 'monthly'::text then 2
            else 3
        end))[1] as plan,
        case
            when bool_or((s.current_period_end is null)) then null::timestamp with time zone
            else max(s.current_period_end)
        end as expires_at,
    bool_or(s.will_renew) as will_renew
   from public.subscriptions s
  where ((s.status = any (array['active'::text, 'cancelled'::text, 'billing_issue'::text])) and ((s.current_period_end is null) or (s.current_period_end > now())))
  group by s.user_id, s.app_id;
revoke all on table public.entitlements from anon, authenticated, service_role;

comment on view public.entitlements is 'Per user and app: VIP while some subscription is in force (active, cancelled-but-not-ended, or in billing grace), its best plan and when it ends (null: lifetime).';

grant select on table public.entitlements to authenticated;
grant select on table public.entitlements to service_role;

-- ======================================================================================================================
-- 50_jobs.sql
-- ======================================================================================================================

-- Jobs: the queue the worker claims from, its heartbeats and failures log, and the headers of the Vault-based worker
-- kick.
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

-- internal.jobs -----------------------------------------------------------------------------------------------------

create table internal.jobs (
    id bigint not null,
    queue text not null,
    payload jsonb default '{}'::jsonb not null,
    job_key text,
    priority integer default 0 not null,
    run_at timestamp with time zone default now() not null,
    attempts integer default 0 not null,
    max_attempts integer default 5 not null,
    status text default 'queued'::text not null,
    locked_until timestamp with time zone,
    locked_by text,
    last_error text,
    result jsonb,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    finished_at timestamp with time zone,
    constraint jobs_job_key_check check (((char_length(job_key) >= 1) and (char_length(job_key) <= 200))),
    constraint jobs_max_attempts_check check (((max_attempts >= 1) and (max_attempts <= 100))),
    constraint jobs_queue_check check ((queue ~ '^[a-z0-9_.-]{1,64}$'::text)),
    constraint jobs_status_check check ((status = any (array['queued'::text, 'running'::text, 'succeeded'::text, 'failed'::text, 'dead'::text])))
);

comment on table internal.jobs is 'Work queue: queued → running (leased) → succeeded, or failed (retried after a backoff) → dead after max_attempts. Server-only.';

alter table internal.jobs alter column id add generated always as identity (
    SEQUENCE NAME internal.jobs_id_seq
    start with 1
    increment by 1
    no minvalue
    no maxvalue
    cache 1
);

alter table only internal.jobs
    add constraint jobs_pkey primary key (id);

create index jobs_dead_idx on internal.jobs using btree (queue) where (status = 'dead'::text);

create index jobs_expired_lease_idx on internal.jobs using btree (locked_until) where (status = 'running'::text);

create index jobs_finished_idx on internal.jobs using btree (finished_at) where (status = 'succeeded'::text);

create unique index jobs_queue_job_key on internal.jobs using btree (queue, job_key) where (job_key is not null);

create index jobs_ready_idx on internal.jobs using btree (queue, priority desc, run_at, id) where (status = any (array['queued'::text, 'failed'::text]));

create trigger jobs_set_updated_at before update on internal.jobs for each row execute function internal.set_updated_at();

grant select on table internal.jobs to service_role;

create function internal.claim_jobs(p_worker text, p_queues text[], p_limit integer, p_lease_seconds integer, p_job_ids bigint[] default null::bigint[]) returns setof internal.jobs
    language sql security definer
    set search_path to ''
    as $$
  with ready as (
    select j.id from internal.jobs j
     where (p_queues is null or j.queue = any (p_queues))
       and (p_job_ids is null or j.id = any (p_job_ids))
       and ((j.status in ('queued', 'failed') and j.run_at <= now())
            -- its worker died: the lease ran out
            or (j.status = 'running' and j.locked_until < now()))
     order by j.priority desc, j.run_at, j.id
     limit p_limit
     for update skip locked
  )
  update internal.jobs j
     set status = 'running', attempts = j.attempts + 1, locked_by = p_worker,
         locked_until = now() + make_interval(secs => p_lease_seconds)
    from ready
   where j.id = ready.id
  returning j.*
$$;

comment on function internal.claim_jobs(p_worker text, p_queues text[], p_limit integer, p_lease_seconds integer, p_job_ids bigint[]) is 'Leases up to p_limit due jobs (or jobs whose lease expired) to a worker, only those in p_job_ids when it is given; concurrent claimers never get the same job (SKIP LOCKED). Security definer: the queue has no write grants.';

revoke all on function internal.claim_jobs(p_worker text, p_queues text[], p_limit integer, p_lease_seconds integer, p_job_ids bigint[]) from public;
grant all on function internal.claim_jobs(p_worker text, p_queues text[], p_limit integer, p_lease_seconds integer, p_job_ids bigint[]) to service_role;

create function internal.complete_job(p_id bigint, p_worker text, p_result jsonb default null::jsonb) returns boolean
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  update internal.jobs set status = 'succeeded', result = p_result, finished_at = now(), locked_until = null, last_error = null
   where id = p_id and status = 'running' and locked_by = p_worker;
  if not found then
    -- The lease was lost (another worker has the job now): this worker's outcome does not count.
    return false;
  end if;
  insert into internal.worker_heartbeats (worker, seen_at, jobs_done) values (p_worker, now(), 1)
  on conflict (worker) do update set seen_at = now(), jobs_done = internal.worker_heartbeats.jobs_done + 1;
  return true;
end
$$;

comment on function internal.complete_job(p_id bigint, p_worker text, p_result jsonb) is 'Marks a job this worker still holds as succeeded; false when its lease was lost.';

revoke all on function internal.complete_job(p_id bigint, p_worker text, p_result jsonb) from public;
grant all on function internal.complete_job(p_id bigint, p_worker text, p_result jsonb) to service_role;

create function internal.enqueue_job(p_queue text, p_payload jsonb default '{}'::jsonb, p_job_key text default null::text, p_run_at timestamp with time zone default now(), p_priority integer default 0, p_max_attempts integer default 5) returns bigint
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_id bigint;
begin
  insert into internal.jobs (queue, payload, job_key, run_at, priority, max_attempts)
  values (p_queue, coalesce(p_payload, '{}'::jsonb), p_job_key, coalesce(p_run_at, now()), p_priority, p_max_attempts)
  on conflict (queue, job_key) where job_key is not null do nothing
  returning id into v_id;
  if v_id is null then
    select id into v_id from internal.jobs where queue = p_queue and job_key = p_job_key;
  end if;
  return v_id;
end
$$;

comment on function internal.enqueue_job(p_queue text, p_payload jsonb, p_job_key text, p_run_at timestamp with time zone, p_priority integer, p_max_attempts integer) is 'Adds a job (or returns the existing one with the same queue and job_key). Security definer: the queue has no write grants.';

revoke all on function internal.enqueue_job(p_queue text, p_payload jsonb, p_job_key text, p_run_at timestamp with time zone, p_priority integer, p_max_attempts integer) from public;
grant all on function internal.enqueue_job(p_queue text, p_payload jsonb, p_job_key text, p_run_at timestamp with time zone, p_priority integer, p_max_attempts integer) to service_role;

create function internal.fail_job(p_id bigint, p_worker text, p_error text) returns text
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_job internal.jobs;
begin
  select * into v_job from internal.jobs where id = p_id and status = 'running' and locked_by = p_worker for update;
  if not found then
    return 'lost';
  end if;
  if v_job.attempts >= v_job.max_attempts then
    update internal.jobs set status = 'dead', last_error = left(p_error, 2000), finished_at = now(), locked_until = null where id = p_id;
    return 'dead';
  end if;
  -- Capped exponential backoff with jitter: about 2^attempts seconds (±50 %), at most an hour.
  update internal.jobs
     set status = 'failed', last_error = left(p_error, 2000), locked_until = null,
         run_at = now() + make_interval(secs => least(3600, power(2, v_job.attempts)) * (0.5 + random()))
   where id = p_id;
  return 'failed';
end
$$;

comment on function internal.fail_job(p_id bigint, p_worker text, p_error text) is 'Records a failed attempt: retried after a jittered exponential backoff, or dead once max_attempts is reached.';

revoke all on function internal.fail_job(p_id bigint, p_worker text, p_error text) from public;
grant all on function internal.fail_job(p_id bigint, p_worker text, p_error text) to service_role;

create function internal.purge_finished_jobs(p_older_than interval default '7 days'::interval) returns bigint
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_count bigint;
begin
  delete from internal.jobs where status = 'succeeded' and finished_at < now() - p_older_than;
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

comment on function internal.purge_finished_jobs(p_older_than interval) is 'Removes succeeded jobs finished before the horizon (default a week); returns how many.';

revoke all on function internal.purge_finished_jobs(p_older_than interval) from public;

create function internal.queue_stats() returns jsonb
    language plpgsql stable security definer
    set search_path to ''
    as $$
begin
  return (
    with pending as (
      select j.queue, count(*) as depth, floor(extract(epoch from now() - min(j.created_at)))::bigint as oldest
        from internal.jobs j where j.status in ('queued', 'failed') group by j.queue
    ), dead as (
      select j.queue, count(*) as dead from internal.jobs j where j.status = 'dead' group by j.queue
    )
    select jsonb_build_object(
      'depth', coalesce((select sum(p.depth) from pending p), 0),
      'queues', coalesce((select jsonb_object_agg(q.queue, jsonb_build_object('depth', coalesce(p.depth, 0), 'oldest_age_seconds', p.oldest, 'dead', coalesce(d.dead, 0)))
                            from (select p.queue from pending p union select d.queue from dead d) q
                            left join pending p on p.queue = q.queue
                            left join dead d on d.queue = q.queue), '{}'::jsonb),
      'dead', coalesce((select sum(d.dead) from dead d), 0),
      'last_heartbeat', (select max(h.seen_at) from internal.worker_heartbeats h)));
end
$$;

comment on function internal.queue_stats() is 'Queue depth per queue, oldest waiting job''s age, dead jobs, last worker heartbeat: for /health.';

revoke all on function internal.queue_stats() from public;
grant all on function internal.queue_stats() to service_role;

create function internal.retry_job(p_id bigint) returns boolean
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  update internal.jobs set status = 'queued', attempts = 0, run_at = now(), last_error = null, finished_at = null
   where id = p_id and status in ('dead', 'failed');
  return found;
end
$$;

comment on function internal.retry_job(p_id bigint) is 'Re-queues a dead (or waiting failed) job from scratch, for admins after a fix.';

revoke all on function internal.retry_job(p_id bigint) from public;
grant all on function internal.retry_job(p_id bigint) to service_role;

create function internal.snooze_job(p_id bigint, p_worker text, p_run_at timestamp with time zone) returns boolean
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  -- Waiting for someone else (a provider still rendering) is not a failed attempt: the claim's count is undone.
  update internal.jobs set status = 'queued', run_at = p_run_at, locked_until = null, locked_by = null, attempts = greatest(attempts - 1, 0)
   where id = p_id and status = 'running' and locked_by = p_worker;
  return found;
end
$$;

comment on function internal.snooze_job(p_id bigint, p_worker text, p_run_at timestamp with time zone) is 'Puts a job this worker holds back in the queue until p_run_at without counting an attempt (polling pipelines).';

revoke all on function internal.snooze_job(p_id bigint, p_worker text, p_run_at timestamp with time zone) from public;
grant all on function internal.snooze_job(p_id bigint, p_worker text, p_run_at timestamp with time zone) to service_role;

create function internal.worker_heartbeat(p_worker text) returns void
    language sql security definer
    set search_path to ''
    as $$
  insert into internal.worker_heartbeats (worker, seen_at) values (p_worker, now())
  on conflict (worker) do update set seen_at = now()
$$;

comment on function internal.worker_heartbeat(p_worker text) is 'A worker''s sign of life.';

revoke all on function internal.worker_heartbeat(p_worker text) from public;
grant all on function internal.worker_heartbeat(p_worker text) to service_role;

create function internal.worker_kick_headers(p_key text) returns jsonb
    language sql immutable
    set search_path to ''
    as $$
  select jsonb_build_object('content-type', 'application/json', 'apikey', p_key)
         || case when p_key like 'sb\_%' then '{}'::jsonb
                 else jsonb_build_object('authorization', 'Bearer ' || p_key) end
$$;

comment on function internal.worker_kick_headers(p_key text) is 'The headers pg_net sends the worker with the key from Vault: an sb_secret_ API key on apikey only; a legacy service_role JWT on apikey and as the bearer.';

revoke all on function internal.worker_kick_headers(p_key text) from public;

-- internal.job_failures ---------------------------------------------------------------------------------------------

create table internal.job_failures (
    id bigint not null,
    job text not null,
    subject text not null,
    period text,
    error text not null,
    failed_at timestamp with time zone default now() not null
);

comment on table internal.job_failures is 'Per-item failures of batch jobs (e.g. one user''s weekly grant), for inspection; the job retries them on its next run.';

alter table internal.job_failures alter column id add generated always as identity (
    SEQUENCE NAME internal.job_failures_id_seq
    start with 1
    increment by 1
    no minvalue
    no maxvalue
    cache 1
);

alter table only internal.job_failures
    add constraint job_failures_pkey primary key (id);

grant select on table internal.job_failures to service_role;

-- internal.worker_heartbeats ----------------------------------------------------------------------------------------

create table internal.worker_heartbeats (
    worker text not null,
    seen_at timestamp with time zone default now() not null,
    jobs_done bigint default 0 not null
);

comment on table internal.worker_heartbeats is 'Last sign of life of each worker and how many jobs it finished, for /health.';

alter table only internal.worker_heartbeats
    add constraint worker_heartbeats_pkey primary key (worker);

grant select on table internal.worker_heartbeats to service_role;

-- ======================================================================================================================
-- 60_ai.sql
-- ======================================================================================================================

-- AI: usage accounting and the asynchronous AI tasks the apps poll.
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

-- public.ai_tasks ---------------------------------------------------------------------------------------------------

create table public.ai_tasks (
    id uuid default gen_random_uuid() not null,
    app_id public.app_id not null,
    user_id uuid not null,
    kind text not null,
    input jsonb default '{}'::jsonb not null,
    status text default 'pending'::text not null,
    result jsonb,
    error text,
    fallback boolean default false not null,
    charge_amount integer default 0 not null,
    charge_currency text,
    refunded boolean default false not null,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    started_at timestamp with time zone,
    finished_at timestamp with time zone,
    constraint ai_tasks_charge_amount_check check ((charge_amount >= 0)),
    constraint ai_tasks_kind_check check ((kind ~ '^[a-z0-9_.]{1,64}$'::text)),
    constraint ai_tasks_status_check check ((status = any (array['pending'::text, 'processing'::text, 'completed'::text, 'failed'::text])))
);
revoke all on table public.ai_tasks from anon, authenticated, service_role;

comment on table public.ai_tasks is 'An AI job of a user: pending → processing → completed (result, possibly a template fallback) or failed (error, charge refunded). Owners read it or subscribe through Realtime; only the backend writes.';

alter table only public.ai_tasks
    add constraint ai_tasks_pkey primary key (id);

create index ai_tasks_user_id_app_id_idx on public.ai_tasks using btree (user_id, app_id, created_at desc);

create trigger ai_tasks_set_updated_at before update on public.ai_tasks for each row execute function internal.set_updated_at();

alter table only public.ai_tasks
    add constraint ai_tasks_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table public.ai_tasks enable row level security;

create policy "service role can read ai tasks" on public.ai_tasks for select to service_role using (true);

create policy "users can read own ai tasks" on public.ai_tasks for select to authenticated using ((user_id = ( select auth.uid() as uid)));

alter publication supabase_realtime add table only public.ai_tasks;

grant select on table public.ai_tasks to authenticated;
grant select on table public.ai_tasks to service_role;

create function internal.ai_task_create(p_app_id public.app_id, p_user_id uuid, p_kind text, p_input jsonb, p_charge_amount integer default 0, p_charge_currency text default null::text, p_max_attempts integer default 3) returns public.ai_tasks
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_task public.ai_tasks;
begin
  insert into public.ai_tasks (app_id, user_id, kind, input, charge_amount, charge_currency)
  values (p_app_id, p_user_id, p_kind, coalesce(p_input, '{}'::jsonb), coalesce(p_charge_amount, 0), p_charge_currency)
  returning * into v_task;
  if v_task.charge_amount > 0 then
    -- Charged on acceptance, in the same transaction: no task without its charge, no charge without its task.
    perform public.wallet_post(p_app_id, p_user_id, p_charge_currency, -v_task.charge_amount, 'consume',
                               format('AI: %s', p_kind), format('ai_task:%s:charge', v_task.id), 'ai_task', v_task.id::text);
  end if;
  perform internal.enqueue_job('ai.task', jsonb_build_object('task_id', v_task.id), v_task.id::text, now(), 0, p_max_attempts);
  return v_task;
end
$$;

comment on function internal.ai_task_create(p_app_id public.app_id, p_user_id uuid, p_kind text, p_input jsonb, p_charge_amount integer, p_charge_currency text, p_max_attempts integer) is 'Accepts an AI task: the row, its charge through the ledger and its job, in one transaction. Security definer: no client writes.';

revoke all on function internal.ai_task_create(p_app_id public.app_id, p_user_id uuid, p_kind text, p_input jsonb, p_charge_amount integer, p_charge_currency text, p_max_attempts integer) from public;
grant all on function internal.ai_task_create(p_app_id public.app_id, p_user_id uuid, p_kind text, p_input jsonb, p_charge_amount integer, p_charge_currency text, p_max_attempts integer) to service_role;

create function internal.ai_task_finish(p_id uuid, p_status text, p_result jsonb, p_error text, p_fallback boolean default false, p_refund boolean default false) returns boolean
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_task public.ai_tasks;
begin
  if p_status not in ('processing', 'completed', 'failed') then
    raise exception using errcode = '22023', message = format('not a task outcome: %s', p_status);
  end if;
  if p_status = 'processing' then
    update public.ai_tasks set status = 'processing', started_at = coalesce(started_at, now()) where id = p_id and status in ('pending', 'processing');
    return found;
  end if;
  -- Finishing happens once: a second worker (or a replay) finds the task already finished and changes nothing.
  update public.ai_tasks
     set status = p_status, result = p_result, error = p_error, fallback = coalesce(p_fallback, false), finished_at = now(),
         refunded = (p_status = 'failed' or p_refund) and charge_amount > 0
   where id = p_id and status in ('pending', 'processing')
  returning * into v_task;
  if v_task.id is null then
    return false;
  end if;
  if v_task.refunded then
    perform public.wallet_post(v_task.app_id, v_task.user_id, v_task.charge_currency, v_task.charge_amount, 'refund',
                               format('AI: %s refunded', v_task.kind), format('ai_task:%s:refund', v_task.id), 'ai_task', v_task.id::text);
  end if;
  return true;
end
$$;

comment on function internal.ai_task_finish(p_id uuid, p_status text, p_result jsonb, p_error text, p_fallback boolean, p_refund boolean) is 'Moves a task to processing, or finishes it once (completed or failed); a failed task, or one whose output was blocked, gets its charge back once.';

revoke all on function internal.ai_task_finish(p_id uuid, p_status text, p_result jsonb, p_error text, p_fallback boolean, p_refund boolean) from public;
grant all on function internal.ai_task_finish(p_id uuid, p_status text, p_result jsonb, p_error text, p_fallback boolean, p_refund boolean) to service_role;

-- internal.ai_usage -------------------------------------------------------------------------------------------------

create table internal.ai_usage (
    id bigint not null,
    app_id public.app_id not null,
    user_id uuid,
    use_case text not null,
    prompt_version text,
    model text not null,
    provider text not null,
    tokens_in integer default 0 not null,
    tokens_out integer default 0 not null,
    latency_ms integer not null,
    cost_micros bigint default 0 not null,
    outcome text not null,
    streamed boolean default false not null,
    error text,
    created_at timestamp with time zone default now() not null,
    constraint ai_usage_outcome_check check ((outcome = any (array['success'::text, 'error'::text, 'timeout'::text, 'rate_limited'::text, 'malformed'::text, 'fallback'::text]))),
    constraint ai_usage_use_case_check check (((char_length(use_case) >= 1) and (char_length(use_case) <= 64)))
);

comment on table internal.ai_usage is 'One row per model call (and per template fallback) of the AI gateway. Server-only; quotas count successful calls per user and day.';

alter table internal.ai_usage alter column id add generated always as identity (
    SEQUENCE NAME internal.ai_usage_id_seq
    start with 1
    increment by 1
    no minvalue
    no maxvalue
    cache 1
);

alter table only internal.ai_usage
    add constraint ai_usage_pkey primary key (id);

create index ai_usage_created_at_idx on internal.ai_usage using btree (created_at);

create index ai_usage_quota_idx on internal.ai_usage using btree (user_id, app_id, created_at desc);

grant select,insert on table internal.ai_usage to service_role;

-- ======================================================================================================================
-- 70_sync.sql
-- ======================================================================================================================

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

-- ======================================================================================================================
-- 80_config.sql
-- ======================================================================================================================

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

-- ======================================================================================================================
-- 90_coach.sql
-- ======================================================================================================================

-- Coach (Life Coach app): day logs and their records, targets, settings, scores and AI period summaries.
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create function coach.apply_ai_result() returns trigger
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_text text := new.result ->> 'content';
begin
  if new.kind = 'coach.review' then
    update coach.day_logs set ai_report = v_text, status = 'reviewed' where id = (new.input ->> 'day_log_id')::uuid and user_id = new.user_id;
  elsif new.kind = 'coach.tomorrow_plan' then
    update coach.day_logs set ai_plan = v_text where id = (new.input ->> 'day_log_id')::uuid and user_id = new.user_id;
  elsif new.kind = 'coach.reading_summary' then
    update coach.readings set ai_summary = v_text where id = (new.input ->> 'reading_id')::uuid and user_id = new.user_id;
  elsif new.kind = 'coach.period_summary' then
    update coach.period_summaries set summary = v_text where user_id = new.user_id and ai_task_id = new.id;
  end if;
  return null;
end
$$;

comment on function coach.apply_ai_result() is 'When a coach AI task completes: the review and the plan go to the day, a reading summary to the reading, a period summary to its cache.';

revoke all on function coach.apply_ai_result() from public;

create function coach.day_actuals(p_user_id uuid, p_from date, p_to date) returns table(log_date date, dimension text, amount numeric, records integer)
    language plpgsql stable
    set search_path to ''
    as $$
begin
  return query
  select w.log_date, 'workout'::text, sum(w.duration_minutes)::numeric, count(*)::int from coach.workouts w
   where w.user_id = p_user_id and w.log_date between p_from and p_to and w.deleted_at is null group by w.log_date
  union all
  select m.log_date, 'meal'::text, count(*)::numeric, count(*)::int from coach.meals m
   where m.user_id = p_user_id and m.log_date between p_from and p_to and m.deleted_at is null group by m.log_date
  union all
  select s.log_date, 'sleep'::text, round(sum(extract(epoch from s.wake_time - s.bed_time)) / 3600, 2), count(*)::int from coach.sleeps s
   where s.user_id = p_user_id and s.log_date between p_from and p_to and s.deleted_at is null group by s.log_date
  union all
  select n.log_date, 'work'::text, sum(n.focus_minutes)::numeric, count(*)::int from coach.work_notes n
   where n.user_id = p_user_id and n.log_date between p_from and p_to and n.deleted_at is null group by n.log_date
  union all
  select r.log_date, 'reading'::text, sum(r.minutes)::numeric, count(*)::int from coach.readings r
   where r.user_id = p_user_id and r.log_date between p_from and p_to and r.deleted_at is null group by r.log_date;
end
$$;

comment on function coach.day_actuals(p_user_id uuid, p_from date, p_to date) is 'Per local date and dimension: the amount in the dimension''s unit (workout minutes, meals, sleep hours, focus minutes, reading minutes) and how many records.';

grant all on function coach.day_actuals(p_user_id uuid, p_from date, p_to date) to authenticated;
grant all on function coach.day_actuals(p_user_id uuid, p_from date, p_to date) to service_role;

create function coach.day_brief(p_date date) returns jsonb
    language sql stable
    set search_path to ''
    as $$
  with share as (
    select coalesce((select s.share_notes_with_ai from coach.settings s where s.user_id = auth.uid() and s.deleted_at is null), true) as notes
  )
  select jsonb_build_object(
    'date', p_date,
    'day_log_id', coach.day_log_id(auth.uid(), p_date),
    'score', coach.day_score(auth.uid(), p_date),
    'goals', (select jsonb_object_agg(t.dimension, t.daily_goal) from coach.user_targets(auth.uid()) t),
    'workout', (select jsonb_build_object('minutes', sum(w.duration_minutes), 'sessions', count(*), 'types', jsonb_agg(distinct w.workout_type), 'calories', sum(w.calories))
                  from coach.workouts w where w.user_id = auth.uid() and w.log_date = p_date and w.deleted_at is null having count(*) > 0),
    'meal', (select jsonb_build_object('count', count(*), 'calories', sum(m.calories), 'types', jsonb_agg(m.meal_type order by m.created_at))
               from coach.meals m where m.user_id = auth.uid() and m.log_date = p_date and m.deleted_at is null having count(*) > 0),
    'sleep', (select jsonb_build_object('hours', round(sum(extract(epoch from s.wake_time - s.bed_time)) / 3600, 2), 'quality', round(avg(s.quality), 1))
                from coach.sleeps s where s.user_id = auth.uid() and s.log_date = p_date and s.deleted_at is null having count(*) > 0),
    'work', (select jsonb_build_object('focus_minutes', sum(n.focus_minutes), 'tasks_done', sum(n.tasks_done))
               from coach.work_notes n where n.user_id = auth.uid() and n.log_date = p_date and n.deleted_at is null having count(*) > 0),
    'reading', (select jsonb_build_object('minutes', sum(r.minutes), 'pages', sum(r.pages), 'books', jsonb_agg(distinct r.book))
                  from coach.readings r where r.user_id = auth.uid() and r.log_date = p_date and r.deleted_at is null having count(*) > 0),
    'note', (select l.note from coach.day_logs l, share where share.notes and l.user_id = auth.uid() and l.log_date = p_date and l.deleted_at is null))
$$;

comment on function coach.day_brief(p_date date) is 'The caller''s day as the AI sees it: score, goals, per-dimension totals, and the day note if the user shares notes with the AI.';

grant all on function coach.day_brief(p_date date) to authenticated;

create function coach.day_log_id(p_user_id uuid, p_date date) returns uuid
    language plpgsql immutable
    set search_path to ''
    as $$
begin
  return coach.row_id(p_user_id, to_char(p_date, 'YYYY-MM-DD'));
end
$$;

comment on function coach.day_log_id(p_user_id uuid, p_date date) is 'The id of a user''s day log: coach.row_id(user, ''YYYY-MM-DD'').';

grant all on function coach.day_log_id(p_user_id uuid, p_date date) to authenticated;
grant all on function coach.day_log_id(p_user_id uuid, p_date date) to service_role;

create function coach.day_score(p_user_id uuid, p_date date) returns smallint
    language plpgsql stable
    set search_path to ''
    as $$
begin
  -- Each dimension scores its attainment of the daily goal, capped at 1; the day is 20 points per dimension,
  -- rounded half up: 100 = every daily goal met. No records that day: no score.
  return (
    select case when count(a.dimension) = 0 then null
                else round(20 * sum(least(coalesce(a.amount, 0) / t.daily_goal, 1)))::smallint end
      from coach.user_targets(p_user_id) t
      left join coach.day_actuals(p_user_id, p_date, p_date) a on a.dimension = t.dimension);
end
$$;

comment on function coach.day_score(p_user_id uuid, p_date date) is 'The day score, 0–100: 20 × Σ over the five dimensions of min(amount / daily goal, 1), rounded; null without records.';

grant all on function coach.day_score(p_user_id uuid, p_date date) to authenticated;
grant all on function coach.day_score(p_user_id uuid, p_date date) to service_role;

create function coach.day_view(p_date date) returns json
    language plpgsql stable
    set search_path to ''
    as $$
declare
  v_uid uuid := auth.uid();
  v_id uuid;
  v_log json;
begin
  select l.id, to_json(l) into v_id, v_log from coach.day_logs l where l.user_id = v_uid and l.log_date = p_date and l.deleted_at is null;
  return json_build_object(
    'id', coalesce(v_id, coach.day_log_id(v_uid, p_date)),
    'log', v_log,
    'records', json_build_object(
      'workout', coalesce((select json_agg(r order by r.created_at) from coach.workouts r where r.user_id = v_uid and r.log_date = p_date and r.deleted_at is null), '[]'::json),
      'meal', coalesce((select json_agg(r order by r.created_at) from coach.meals r where r.user_id = v_uid and r.log_date = p_date and r.deleted_at is null), '[]'::json),
      'sleep', coalesce((select json_agg(r order by r.created_at) from coach.sleeps r where r.user_id = v_uid and r.log_date = p_date and r.deleted_at is null), '[]'::json),
      'work', coalesce((select json_agg(r order by r.created_at) from coach.work_notes r where r.user_id = v_uid and r.log_date = p_date and r.deleted_at is null), '[]'::json),
      'reading', coalesce((select json_agg(r order by r.created_at) from coach.readings r where r.user_id = v_uid and r.log_date = p_date and r.deleted_at is null), '[]'::json)));
end
$$;

comment on function coach.day_view(p_date date) is 'The caller''s day: its derived id, the day log (null before anything is recorded) and every live record per dimension, oldest first.';

grant all on function coach.day_view(p_date date) to authenticated;

create function coach.default_targets() returns table(dimension text, daily_goal numeric, weekly_goal numeric)
    language plpgsql immutable
    set search_path to ''
    as $$
begin
  return query values ('workout'::text, 30::numeric, 150::numeric), ('meal', 3, 21), ('sleep', 8, 56), ('work', 240, 1200), ('reading', 30, 210);
end
$$;

comment on function coach.default_targets() is 'Goals used where the user set none: workout 30 min/day, 3 meals, 8 h sleep, 240 focus minutes, 30 reading minutes.';

grant all on function coach.default_targets() to authenticated;
grant all on function coach.default_targets() to service_role;

create function coach.period_stats(p_from date, p_to date) returns jsonb
    language sql stable
    set search_path to ''
    as $$
  with days as (
    select d::date as log_date from generate_series(p_from, p_to, interval '1 day') d
  ), targets as (
    select * from coach.user_targets(auth.uid())
  ), actuals as (
    select * from coach.day_actuals(auth.uid(), p_from, p_to)
  ), grid as (
    select t.dimension, d.log_date, coalesce(a.amount, 0) as amount, coalesce(a.records, 0) as records, t.daily_goal, t.weekly_goal
      from targets t cross join days d
      left join actuals a on a.dimension = t.dimension and a.log_date = d.log_date
  ), runs as (
    -- Consecutive days with records: a day without one starts a new group.
    select dimension, log_date, records, log_date - (row_number() over (partition by dimension, records > 0 order by log_date))::int as grp from grid
  ), streaks as (
    select dimension, max(n) as best from (select dimension, grp, count(*) as n from runs where records > 0 group by dimension, grp) s group by dimension
  ), per_dimension as (
    select g.dimension,
           jsonb_build_object(
             'total', round(sum(g.amount), 2),
             'average_per_day', round(sum(g.amount) / count(*), 2),
             'records', sum(g.records),
             'days_recorded', count(*) filter (where g.records > 0),
             'days_goal_met', count(*) filter (where g.amount >= g.daily_goal),
             'daily_goal', max(g.daily_goal),
             'period_goal', case when count(*) = 7 then max(g.weekly_goal) else max(g.daily_goal) * count(*) end,
             'attainment', round(sum(g.amount) / case when count(*) = 7 then max(g.weekly_goal) else max(g.daily_goal) * count(*) end, 4),
             'best_streak', coalesce((select s.best from streaks s where s.dimension = g.dimension), 0)) as stats
      from grid g group by g.dimension
  )
  select jsonb_build_object(
    'from', p_from, 'to', p_to, 'days', (select count(*) from days),
    'dimensions', (select jsonb_object_agg(dimension, stats) from per_dimension),
    'day_scores', coalesce((select jsonb_agg(jsonb_build_object('date', l.log_date, 'score', l.score) order by l.log_date)
                              from coach.day_logs l where l.user_id = auth.uid() and l.log_date between p_from and p_to and l.deleted_at is null and l.score is not null), '[]'::jsonb),
    'average_score', (select round(avg(l.score), 1) from coach.day_logs l where l.user_id = auth.uid() and l.log_date between p_from and p_to and l.deleted_at is null and l.score is not null),
    'record_streak', (select coalesce(max(n), 0) from (select count(*) as n from (
                        select d.log_date, d.log_date - (row_number() over (order by d.log_date))::int as grp
                          from days d where exists (select 1 from grid g where g.log_date = d.log_date and g.records > 0)) x group by grp) y),
    -- Changes whenever a record, a day or a goal of the period changes: the AI summary is redone then.
    'fingerprint', md5(concat_ws('/',
       (select string_agg(concat(a.dimension, a.log_date, a.amount, a.records), ',' order by a.dimension, a.log_date) from actuals a),
       (select string_agg(concat(t.dimension, t.daily_goal, t.weekly_goal), ',' order by t.dimension) from targets t))))
$$;

comment on function coach.period_stats(p_from date, p_to date) is 'The caller''s stats over a period (a week: weekly goals; otherwise daily goal × days): per dimension total, average per calendar day, records, days recorded, days the daily goal was met, attainment, best streak; day scores, their average, the longest run of days with any record; a fingerprint of the data.';

grant all on function coach.period_stats(p_from date, p_to date) to authenticated;

create function coach.period_summary_claim(p_user_id uuid, p_period text, p_fingerprint text, p_task_id uuid) returns void
    language sql security definer
    set search_path to ''
    as $$
  insert into coach.period_summaries (user_id, period, fingerprint, ai_task_id, summary)
  values (p_user_id, p_period, p_fingerprint, p_task_id, null)
  on conflict (user_id, period) do update set fingerprint = excluded.fingerprint, ai_task_id = excluded.ai_task_id, summary = null
$$;

comment on function coach.period_summary_claim(p_user_id uuid, p_period text, p_fingerprint text, p_task_id uuid) is 'Records that an AI summary for this version of the period''s data was asked for.';

revoke all on function coach.period_summary_claim(p_user_id uuid, p_period text, p_fingerprint text, p_task_id uuid) from public;
grant all on function coach.period_summary_claim(p_user_id uuid, p_period text, p_fingerprint text, p_task_id uuid) to service_role;

create function coach.record_link_day() returns trigger
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  new.day_log_id := coach.day_log_id(new.user_id, new.log_date);
  if not exists (select from coach.day_logs d where d.id = new.day_log_id and d.deleted_at is null) then
    insert into coach.day_logs (id, user_id, log_date) values (new.day_log_id, new.user_id, new.log_date)
    on conflict (user_id, log_date) do update set deleted_at = null where coach.day_logs.deleted_at is not null;
  end if;
  return new;
end
$$;

comment on function coach.record_link_day() is 'Before a record is inserted or its owner, date or day_log_id is written: derives day_log_id from owner and date (whatever was sent), and creates (or revives) that day log. Security definer: only the backend writes day logs'' server columns; RLS on the record still checks the owner.';

revoke all on function coach.record_link_day() from public;

create function coach.record_rescore_day() returns trigger
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  if tg_op <> 'INSERT' then
    perform coach.refresh_day_score(old.user_id, old.log_date);
  end if;
  if tg_op = 'INSERT' or (tg_op = 'UPDATE' and (new.user_id, new.log_date) is distinct from (old.user_id, old.log_date)) then
    perform coach.refresh_day_score(new.user_id, new.log_date);
  end if;
  return null;
end
$$;

comment on function coach.record_rescore_day() is 'After a record changes: rescores its day (both days when it moved).';

revoke all on function coach.record_rescore_day() from public;

create function coach.refresh_day_score(p_user_id uuid, p_date date) returns void
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_score smallint := coach.day_score(p_user_id, p_date);
begin
  -- Only a real change writes (and so takes a new sync version).
  update coach.day_logs set score = v_score
   where user_id = p_user_id and log_date = p_date and score is distinct from v_score;
end
$$;

comment on function coach.refresh_day_score(p_user_id uuid, p_date date) is 'Recomputes a day''s score after its records changed.';

revoke all on function coach.refresh_day_score(p_user_id uuid, p_date date) from public;

create function coach.row_id(p_user_id uuid, p_key text) returns uuid
    language plpgsql immutable
    set search_path to ''
    as $$
begin
  return extensions.uuid_generate_v5('0b6f4c3e-7d2a-4a8e-9f61-5c2d8e7a1b90'::uuid, p_user_id::text || '/' || p_key);
end
$$;

comment on function coach.row_id(p_user_id uuid, p_key text) is 'The id of a once-per-key coach row: day logs (key = the date, 2026-11-23), targets (target/<dimension>), settings (settings). Clients compute the same uuid v5.';

grant all on function coach.row_id(p_user_id uuid, p_key text) to authenticated;
grant all on function coach.row_id(p_user_id uuid, p_key text) to service_role;

create function coach.stored_day_score(p_date date) returns smallint
    language plpgsql stable
    set search_path to ''
    as $$
begin
  return (select l.score from coach.day_logs l where l.user_id = auth.uid() and l.log_date = p_date and l.deleted_at is null);
end
$$;

comment on function coach.stored_day_score(p_date date) is 'The calling user''s stored score of a day (null: no live log, or nothing scored). Invoker: RLS applies.';

revoke all on function coach.stored_day_score(p_date date) from public;
grant all on function coach.stored_day_score(p_date date) to authenticated;

create function coach.target_rescore_days() returns trigger
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_day date;
begin
  -- New goals rescore the recent days (the last 31) that have records.
  for v_day in select d.log_date from coach.day_logs d where d.user_id = new.user_id and d.log_date >= current_date - 31 loop
    perform coach.refresh_day_score(new.user_id, v_day);
  end loop;
  return null;
end
$$;

comment on function coach.target_rescore_days() is 'After a goal changes: rescores the user''s last 31 days.';

revoke all on function coach.target_rescore_days() from public;

create function coach.user_targets(p_user_id uuid) returns table(dimension text, daily_goal numeric, weekly_goal numeric)
    language plpgsql stable
    set search_path to ''
    as $$
begin
  return query
  select d.dimension, coalesce(t.daily_goal, d.daily_goal), coalesce(t.weekly_goal, d.weekly_goal)
    from coach.default_targets() d
    left join coach.targets t on t.user_id = p_user_id and t.dimension = d.dimension and t.deleted_at is null;
end
$$;

comment on function coach.user_targets(p_user_id uuid) is 'The user''s goals per dimension, defaults where they set none.';

grant all on function coach.user_targets(p_user_id uuid) to authenticated;
grant all on function coach.user_targets(p_user_id uuid) to service_role;

-- coach.day_logs ----------------------------------------------------------------------------------------------------

create table coach.day_logs (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    log_date date not null,
    score smallint,
    note text,
    mood smallint,
    status text default 'open'::text not null,
    ai_report text,
    ai_plan text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint day_logs_id_from_date check ((id = coach.day_log_id(user_id, log_date))),
    constraint day_logs_mood_check check (((mood >= 1) and (mood <= 5))),
    constraint day_logs_note_check check ((char_length(note) <= 2000)),
    constraint day_logs_score_check check (((score >= 0) and (score <= 100))),
    constraint day_logs_status_check check ((status = any (array['open'::text, 'reviewed'::text])))
);

comment on table coach.day_logs is 'One per user and local date: the day score (coach.day_score), the user''s note and mood, the nightly AI review and tomorrow''s plan. Created by the first record of the day.';

alter table only coach.day_logs
    add constraint day_logs_pkey primary key (id);

alter table only coach.day_logs
    add constraint day_logs_user_date unique (user_id, log_date);

create index coach_day_logs_deleted_at_idx on coach.day_logs using btree (deleted_at) where (deleted_at is not null);

create index coach_day_logs_sync_idx on coach.day_logs using btree (user_id, version);

create trigger sync_stamp before insert or update on coach.day_logs for each row execute function internal.sync_stamp();

alter table only coach.day_logs
    add constraint day_logs_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table coach.day_logs enable row level security;

create policy "service role can read rows" on coach.day_logs for select to service_role using (true);

create policy "users can add own rows" on coach.day_logs for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on coach.day_logs for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on coach.day_logs for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table coach.day_logs to authenticated;
grant select on table coach.day_logs to service_role;

grant insert(id) on table coach.day_logs to authenticated;

grant insert(user_id) on table coach.day_logs to authenticated;

grant insert(log_date) on table coach.day_logs to authenticated;

grant insert(note),update(note) on table coach.day_logs to authenticated;

grant insert(mood),update(mood) on table coach.day_logs to authenticated;

grant insert(updated_at),update(updated_at) on table coach.day_logs to authenticated;

grant update(deleted_at) on table coach.day_logs to authenticated;

-- coach.meals -------------------------------------------------------------------------------------------------------

create table coach.meals (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    log_date date not null,
    day_log_id uuid not null,
    meal_type text not null,
    description text not null,
    calories integer,
    photo_path text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint meals_calories_check check (((calories >= 0) and (calories <= 10000))),
    constraint meals_description_check check (((char_length(description) >= 1) and (char_length(description) <= 500))),
    constraint meals_meal_type_check check ((meal_type = any (array['breakfast'::text, 'lunch'::text, 'dinner'::text, 'snack'::text]))),
    constraint meals_photo_path_check check ((char_length(photo_path) <= 300))
);

comment on table coach.meals is 'Meal records: meal type, what was eaten, calories, an optional photo (uploads bucket).';

alter table only coach.meals
    add constraint meals_pkey primary key (id);

create index coach_meals_deleted_at_idx on coach.meals using btree (deleted_at) where (deleted_at is not null);

create index coach_meals_sync_idx on coach.meals using btree (user_id, version);

create index meals_day_idx on coach.meals using btree (user_id, log_date);

create index meals_day_log_id_idx on coach.meals using btree (day_log_id);

create trigger link_day before insert or update of log_date, user_id, day_log_id on coach.meals for each row execute function coach.record_link_day();

create trigger rescore_day after insert or delete or update on coach.meals for each row execute function coach.record_rescore_day();

create trigger sync_stamp before insert or update on coach.meals for each row execute function internal.sync_stamp();

alter table only coach.meals
    add constraint meals_day_log_id_fkey foreign key (day_log_id) references coach.day_logs(id) on delete cascade;

alter table only coach.meals
    add constraint meals_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table coach.meals enable row level security;

create policy "service role can read rows" on coach.meals for select to service_role using (true);

create policy "users can add own rows" on coach.meals for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on coach.meals for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on coach.meals for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table coach.meals to authenticated;
grant select on table coach.meals to service_role;

grant insert(id) on table coach.meals to authenticated;

grant insert(user_id) on table coach.meals to authenticated;

grant insert(log_date),update(log_date) on table coach.meals to authenticated;

grant insert(meal_type),update(meal_type) on table coach.meals to authenticated;

grant insert(description),update(description) on table coach.meals to authenticated;

grant insert(calories),update(calories) on table coach.meals to authenticated;

grant insert(photo_path),update(photo_path) on table coach.meals to authenticated;

grant insert(updated_at),update(updated_at) on table coach.meals to authenticated;

grant insert(deleted_at),update(deleted_at) on table coach.meals to authenticated;

-- coach.period_summaries --------------------------------------------------------------------------------------------

create table coach.period_summaries (
    user_id uuid not null,
    period text not null,
    fingerprint text not null,
    ai_task_id uuid,
    summary text,
    updated_at timestamp with time zone default now() not null,
    constraint period_summaries_period_check check ((period ~ '^\d{4}-(W\d{2}|\d{2})$'::text))
);

comment on table coach.period_summaries is 'The AI summary of a week or month, kept until the period''s data changes (fingerprint).';

alter table only coach.period_summaries
    add constraint period_summaries_pkey primary key (user_id, period);

create index period_summaries_ai_task_id_idx on coach.period_summaries using btree (ai_task_id);

create trigger period_summaries_set_updated_at before update on coach.period_summaries for each row execute function internal.set_updated_at();

alter table only coach.period_summaries
    add constraint period_summaries_ai_task_id_fkey foreign key (ai_task_id) references public.ai_tasks(id) on delete set null;

alter table only coach.period_summaries
    add constraint period_summaries_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table coach.period_summaries enable row level security;

create policy "service role can read summaries" on coach.period_summaries for select to service_role using (true);

create policy "users can read own summaries" on coach.period_summaries for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table coach.period_summaries to authenticated;
grant select on table coach.period_summaries to service_role;

-- coach.readings ----------------------------------------------------------------------------------------------------

create table coach.readings (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    log_date date not null,
    day_log_id uuid not null,
    book text not null,
    minutes integer not null,
    pages integer,
    notes text,
    ai_summary text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint readings_book_check check (((char_length(book) >= 1) and (char_length(book) <= 200))),
    constraint readings_minutes_check check (((minutes >= 0) and (minutes <= 1440))),
    constraint readings_notes_check check ((char_length(notes) <= 4000)),
    constraint readings_pages_check check (((pages >= 0) and (pages <= 5000)))
);

comment on table coach.readings is 'Reading records: book, minutes, pages, notes, and the AI reading summary when asked for.';

alter table only coach.readings
    add constraint readings_pkey primary key (id);

create index coach_readings_deleted_at_idx on coach.readings using btree (deleted_at) where (deleted_at is not null);

create index coach_readings_sync_idx on coach.readings using btree (user_id, version);

create index readings_day_idx on coach.readings using btree (user_id, log_date);

create index readings_day_log_id_idx on coach.readings using btree (day_log_id);

create trigger link_day before insert or update of log_date, user_id, day_log_id on coach.readings for each row execute function coach.record_link_day();

create trigger rescore_day after insert or delete or update on coach.readings for each row execute function coach.record_rescore_day();

create trigger sync_stamp before insert or update on coach.readings for each row execute function internal.sync_stamp();

alter table only coach.readings
    add constraint readings_day_log_id_fkey foreign key (day_log_id) references coach.day_logs(id) on delete cascade;

alter table only coach.readings
    add constraint readings_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table coach.readings enable row level security;

create policy "service role can read rows" on coach.readings for select to service_role using (true);

create policy "users can add own rows" on coach.readings for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on coach.readings for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on coach.readings for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table coach.readings to authenticated;
grant select on table coach.readings to service_role;

grant insert(id) on table coach.readings to authenticated;

grant insert(user_id) on table coach.readings to authenticated;

grant insert(log_date),update(log_date) on table coach.readings to authenticated;

grant insert(book),update(book) on table coach.readings to authenticated;

grant insert(minutes),update(minutes) on table coach.readings to authenticated;

grant insert(pages),update(pages) on table coach.readings to authenticated;

grant insert(notes),update(notes) on table coach.readings to authenticated;

grant insert(updated_at),update(updated_at) on table coach.readings to authenticated;

grant insert(deleted_at),update(deleted_at) on table coach.readings to authenticated;

-- coach.settings ----------------------------------------------------------------------------------------------------

create table coach.settings (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    reminders_enabled boolean default true not null,
    record_reminder time without time zone,
    review_reminder time without time zone default '21:30:00'::time without time zone,
    ai_style jsonb default '{}'::jsonb not null,
    share_notes_with_ai boolean default true not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint settings_ai_style_check check ((jsonb_typeof(ai_style) = 'object'::text)),
    constraint settings_id_from_user check ((id = coach.row_id(user_id, 'settings'::text)))
);

comment on table coach.settings is 'Per user: reminder times (local), AI style (tone, length, language), privacy (may the AI read notes).';

alter table only coach.settings
    add constraint settings_pkey primary key (id);

alter table only coach.settings
    add constraint settings_user_id_key unique (user_id);

create index coach_settings_deleted_at_idx on coach.settings using btree (deleted_at) where (deleted_at is not null);

create index coach_settings_sync_idx on coach.settings using btree (user_id, version);

create trigger sync_stamp before insert or update on coach.settings for each row execute function internal.sync_stamp();

alter table only coach.settings
    add constraint settings_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

create policy "service role can read rows" on coach.settings for select to service_role using (true);

alter table coach.settings enable row level security;

create policy "users can add own rows" on coach.settings for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on coach.settings for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on coach.settings for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table coach.settings to authenticated;
grant select on table coach.settings to service_role;

grant insert(id) on table coach.settings to authenticated;

grant insert(user_id) on table coach.settings to authenticated;

grant insert(reminders_enabled),update(reminders_enabled) on table coach.settings to authenticated;

grant insert(record_reminder),update(record_reminder) on table coach.settings to authenticated;

grant insert(review_reminder),update(review_reminder) on table coach.settings to authenticated;

grant insert(ai_style),update(ai_style) on table coach.settings to authenticated;

grant insert(share_notes_with_ai),update(share_notes_with_ai) on table coach.settings to authenticated;

grant insert(updated_at),update(updated_at) on table coach.settings to authenticated;

grant insert(deleted_at),update(deleted_at) on table coach.settings to authenticated;

-- coach.sleeps ------------------------------------------------------------------------------------------------------

create table coach.sleeps (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    log_date date not null,
    day_log_id uuid not null,
    bed_time timestamp with time zone not null,
    wake_time timestamp with time zone not null,
    quality smallint,
    note text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint sleeps_check check (((wake_time > bed_time) and ((wake_time - bed_time) <= '24:00:00'::interval))),
    constraint sleeps_note_check check ((char_length(note) <= 1000)),
    constraint sleeps_quality_check check (((quality >= 1) and (quality <= 5)))
);

comment on table coach.sleeps is 'Sleep records, dated by the local day of waking: bed and wake time, quality 1–5.';

alter table only coach.sleeps
    add constraint sleeps_pkey primary key (id);

create index coach_sleeps_deleted_at_idx on coach.sleeps using btree (deleted_at) where (deleted_at is not null);

create index coach_sleeps_sync_idx on coach.sleeps using btree (user_id, version);

create index sleeps_day_idx on coach.sleeps using btree (user_id, log_date);

create index sleeps_day_log_id_idx on coach.sleeps using btree (day_log_id);

create trigger link_day before insert or update of log_date, user_id, day_log_id on coach.sleeps for each row execute function coach.record_link_day();

create trigger rescore_day after insert or delete or update on coach.sleeps for each row execute function coach.record_rescore_day();

create trigger sync_stamp before insert or update on coach.sleeps for each row execute function internal.sync_stamp();

alter table only coach.sleeps
    add constraint sleeps_day_log_id_fkey foreign key (day_log_id) references coach.day_logs(id) on delete cascade;

alter table only coach.sleeps
    add constraint sleeps_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

create policy "service role can read rows" on coach.sleeps for select to service_role using (true);

alter table coach.sleeps enable row level security;

create policy "users can add own rows" on coach.sleeps for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on coach.sleeps for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on coach.sleeps for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table coach.sleeps to authenticated;
grant select on table coach.sleeps to service_role;

grant insert(id) on table coach.sleeps to authenticated;

grant insert(user_id) on table coach.sleeps to authenticated;

grant insert(log_date),update(log_date) on table coach.sleeps to authenticated;

grant insert(bed_time),update(bed_time) on table coach.sleeps to authenticated;

grant insert(wake_time),update(wake_time) on table coach.sleeps to authenticated;

grant insert(quality),update(quality) on table coach.sleeps to authenticated;

grant insert(note),update(note) on table coach.sleeps to authenticated;

grant insert(updated_at),update(updated_at) on table coach.sleeps to authenticated;

grant insert(deleted_at),update(deleted_at) on table coach.sleeps to authenticated;

-- coach.targets -----------------------------------------------------------------------------------------------------

create table coach.targets (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    dimension text not null,
    daily_goal numeric(8,2) not null,
    weekly_goal numeric(8,2) not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint targets_daily_goal_check check ((daily_goal > (0)::numeric)),
    constraint targets_dimension_check check ((dimension = any (array['workout'::text, 'meal'::text, 'sleep'::text, 'work'::text, 'reading'::text]))),
    constraint targets_id_from_dimension check ((id = coach.row_id(user_id, ('target/'::text || dimension)))),
    constraint targets_weekly_goal_check check ((weekly_goal > (0)::numeric))
);

comment on table coach.targets is 'Daily and weekly goals per dimension, in the dimension''s unit: workout minutes, meals logged, sleep hours, focus minutes, reading minutes. Missing ones take coach.default_targets().';

alter table only coach.targets
    add constraint targets_pkey primary key (id);

alter table only coach.targets
    add constraint targets_user_dimension unique (user_id, dimension);

create index coach_targets_deleted_at_idx on coach.targets using btree (deleted_at) where (deleted_at is not null);

create index coach_targets_sync_idx on coach.targets using btree (user_id, version);

create trigger rescore_days after insert or update on coach.targets for each row execute function coach.target_rescore_days();

create trigger sync_stamp before insert or update on coach.targets for each row execute function internal.sync_stamp();

alter table only coach.targets
    add constraint targets_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

create policy "service role can read rows" on coach.targets for select to service_role using (true);

alter table coach.targets enable row level security;

create policy "users can add own rows" on coach.targets for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on coach.targets for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on coach.targets for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table coach.targets to authenticated;
grant select on table coach.targets to service_role;

grant insert(id) on table coach.targets to authenticated;

grant insert(user_id) on table coach.targets to authenticated;

grant insert(dimension) on table coach.targets to authenticated;

grant insert(daily_goal),update(daily_goal) on table coach.targets to authenticated;

grant insert(weekly_goal),update(weekly_goal) on table coach.targets to authenticated;

grant insert(updated_at),update(updated_at) on table coach.targets to authenticated;

grant insert(deleted_at),update(deleted_at) on table coach.targets to authenticated;

-- coach.work_notes --------------------------------------------------------------------------------------------------

create table coach.work_notes (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    log_date date not null,
    day_log_id uuid not null,
    focus_minutes integer not null,
    tasks_done integer default 0 not null,
    tasks text[] default '{}'::text[] not null,
    note text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint work_notes_focus_minutes_check check (((focus_minutes >= 0) and (focus_minutes <= 1440))),
    constraint work_notes_note_check check ((char_length(note) <= 2000)),
    constraint work_notes_tasks_check check ((cardinality(tasks) <= 50)),
    constraint work_notes_tasks_done_check check (((tasks_done >= 0) and (tasks_done <= 1000)))
);

comment on table coach.work_notes is 'Work records: focused minutes, tasks done (and their titles), a note.';

alter table only coach.work_notes
    add constraint work_notes_pkey primary key (id);

create index coach_work_notes_deleted_at_idx on coach.work_notes using btree (deleted_at) where (deleted_at is not null);

create index coach_work_notes_sync_idx on coach.work_notes using btree (user_id, version);

create index work_notes_day_idx on coach.work_notes using btree (user_id, log_date);

create index work_notes_day_log_id_idx on coach.work_notes using btree (day_log_id);

create trigger link_day before insert or update of log_date, user_id, day_log_id on coach.work_notes for each row execute function coach.record_link_day();

create trigger rescore_day after insert or delete or update on coach.work_notes for each row execute function coach.record_rescore_day();

create trigger sync_stamp before insert or update on coach.work_notes for each row execute function internal.sync_stamp();

alter table only coach.work_notes
    add constraint work_notes_day_log_id_fkey foreign key (day_log_id) references coach.day_logs(id) on delete cascade;

alter table only coach.work_notes
    add constraint work_notes_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

create policy "service role can read rows" on coach.work_notes for select to service_role using (true);

create policy "users can add own rows" on coach.work_notes for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on coach.work_notes for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on coach.work_notes for select to authenticated using ((user_id = ( select auth.uid() as uid)));

alter table coach.work_notes enable row level security;

grant select on table coach.work_notes to authenticated;
grant select on table coach.work_notes to service_role;

grant insert(id) on table coach.work_notes to authenticated;

grant insert(user_id) on table coach.work_notes to authenticated;

grant insert(log_date),update(log_date) on table coach.work_notes to authenticated;

grant insert(focus_minutes),update(focus_minutes) on table coach.work_notes to authenticated;

grant insert(tasks_done),update(tasks_done) on table coach.work_notes to authenticated;

grant insert(tasks),update(tasks) on table coach.work_notes to authenticated;

grant insert(note),update(note) on table coach.work_notes to authenticated;

grant insert(updated_at),update(updated_at) on table coach.work_notes to authenticated;

grant insert(deleted_at),update(deleted_at) on table coach.work_notes to authenticated;

-- coach.workouts ----------------------------------------------------------------------------------------------------

create table coach.workouts (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    log_date date not null,
    day_log_id uuid not null,
    workout_type text not null,
    duration_minutes integer not null,
    intensity text default 'medium'::text not null,
    calories integer,
    note text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint workouts_calories_check check (((calories >= 0) and (calories <= 10000))),
    constraint workouts_duration_minutes_check check (((duration_minutes >= 1) and (duration_minutes <= 1440))),
    constraint workouts_intensity_check check ((intensity = any (array['low'::text, 'medium'::text, 'high'::text]))),
    constraint workouts_note_check check ((char_length(note) <= 1000)),
    constraint workouts_workout_type_check check (((char_length(workout_type) >= 1) and (char_length(workout_type) <= 40)))
);

comment on table coach.workouts is 'Workout records: type, minutes, intensity, calories burned.';

alter table only coach.workouts
    add constraint workouts_pkey primary key (id);

create index coach_workouts_deleted_at_idx on coach.workouts using btree (deleted_at) where (deleted_at is not null);

create index coach_workouts_sync_idx on coach.workouts using btree (user_id, version);

create index workouts_day_idx on coach.workouts using btree (user_id, log_date);

create index workouts_day_log_id_idx on coach.workouts using btree (day_log_id);

create trigger link_day before insert or update of log_date, user_id, day_log_id on coach.workouts for each row execute function coach.record_link_day();

create trigger rescore_day after insert or delete or update on coach.workouts for each row execute function coach.record_rescore_day();

create trigger sync_stamp before insert or update on coach.workouts for each row execute function internal.sync_stamp();

alter table only coach.workouts
    add constraint workouts_day_log_id_fkey foreign key (day_log_id) references coach.day_logs(id) on delete cascade;

alter table only coach.workouts
    add constraint workouts_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

create policy "service role can read rows" on coach.workouts for select to service_role using (true);

create policy "users can add own rows" on coach.workouts for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on coach.workouts for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on coach.workouts for select to authenticated using ((user_id = ( select auth.uid() as uid)));

alter table coach.workouts enable row level security;

grant select on table coach.workouts to authenticated;
grant select on table coach.workouts to service_role;

grant insert(id) on table coach.workouts to authenticated;

grant insert(user_id) on table coach.workouts to authenticated;

grant insert(log_date),update(log_date) on table coach.workouts to authenticated;

grant insert(workout_type),update(workout_type) on table coach.workouts to authenticated;

grant insert(duration_minutes),update(duration_minutes) on table coach.workouts to authenticated;

grant insert(intensity),update(intensity) on table coach.workouts to authenticated;

grant insert(calories),update(calories) on table coach.workouts to authenticated;

grant insert(note),update(note) on table coach.workouts to authenticated;

grant insert(updated_at),update(updated_at) on table coach.workouts to authenticated;

grant insert(deleted_at),update(deleted_at) on table coach.workouts to authenticated;

create trigger coach_apply_ai_result after update of status on public.ai_tasks for each row when (((new.app_id = 'coach'::public.app_id) and (new.status = 'completed'::text) and (old.status <> 'completed'::text))) execute function coach.apply_ai_result();

-- ======================================================================================================================
-- 95_pickitchen.sql
-- ======================================================================================================================

-- PicKitchen: emoji tasks and detections, and the weekly VIP points grant.
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

-- pickitchen.emoji_detections ---------------------------------------------------------------------------------------

create table pickitchen.emoji_detections (
    user_id uuid not null,
    image_path text not null,
    passed boolean not null,
    face_bbox integer[],
    ext_bbox integer[],
    reason text,
    message text,
    provider text not null,
    created_at timestamp with time zone default now() not null,
    constraint emoji_detections_check check ((passed = (reason is null))),
    constraint emoji_detections_ext_bbox_check check (((ext_bbox is null) or (cardinality(ext_bbox) = 4))),
    constraint emoji_detections_face_bbox_check check (((face_bbox is null) or (cardinality(face_bbox) = 4))),
    constraint emoji_detections_reason_check check ((reason = any (array['no_face'::text, 'multiple_faces'::text, 'policy'::text, 'invalid_image'::text])))
);

comment on table pickitchen.emoji_detections is 'The face detection of an uploaded image (free, done once per image): the boxes the video model needs, or why the image was refused.';

alter table only pickitchen.emoji_detections
    add constraint emoji_detections_pkey primary key (user_id, image_path);

alter table only pickitchen.emoji_detections
    add constraint emoji_detections_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table pickitchen.emoji_detections enable row level security;

create policy "service role can read detections" on pickitchen.emoji_detections for select to service_role using (true);

create policy "users can read own detections" on pickitchen.emoji_detections for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table pickitchen.emoji_detections to authenticated;
grant select on table pickitchen.emoji_detections to service_role;

create function internal.emoji_detection_record(p_user_id uuid, p_image_path text, p_passed boolean, p_face_bbox integer[], p_ext_bbox integer[], p_reason text, p_message text, p_provider text) returns pickitchen.emoji_detections
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_row pickitchen.emoji_detections;
begin
  insert into pickitchen.emoji_detections (user_id, image_path, passed, face_bbox, ext_bbox, reason, message, provider)
  values (p_user_id, p_image_path, p_passed, p_face_bbox, p_ext_bbox, p_reason, p_message, p_provider)
  on conflict (user_id, image_path) do nothing
  returning * into v_row;
  if v_row.user_id is null then
    -- Two detections of one image raced: the first one stays the answer.
    select * into v_row from pickitchen.emoji_detections d where d.user_id = p_user_id and d.image_path = p_image_path;
  end if;
  return v_row;
end
$$;

comment on function internal.emoji_detection_record(p_user_id uuid, p_image_path text, p_passed boolean, p_face_bbox integer[], p_ext_bbox integer[], p_reason text, p_message text, p_provider text) is 'Caches the detection of an image (the first one wins). Security definer: clients cannot write detections.';

revoke all on function internal.emoji_detection_record(p_user_id uuid, p_image_path text, p_passed boolean, p_face_bbox integer[], p_ext_bbox integer[], p_reason text, p_message text, p_provider text) from public;
grant all on function internal.emoji_detection_record(p_user_id uuid, p_image_path text, p_passed boolean, p_face_bbox integer[], p_ext_bbox integer[], p_reason text, p_message text, p_provider text) to service_role;

-- pickitchen.emoji_tasks --------------------------------------------------------------------------------------------

create table pickitchen.emoji_tasks (
    id uuid default gen_random_uuid() not null,
    user_id uuid not null,
    task_type text default 'emoji'::text not null,
    image_path text not null,
    driven_id text not null,
    style_name text not null,
    points_cost integer not null,
    status text default 'pending'::text not null,
    provider text,
    provider_task_id text,
    result_path text,
    error_code text,
    error_message text,
    refunded boolean default false not null,
    idempotency_key text,
    deadline_at timestamp with time zone not null,
    hidden_at timestamp with time zone,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    started_at timestamp with time zone,
    completed_at timestamp with time zone,
    constraint emoji_tasks_idempotency_key_check check (((char_length(idempotency_key) >= 1) and (char_length(idempotency_key) <= 200))),
    constraint emoji_tasks_points_cost_check check ((points_cost >= 0)),
    constraint emoji_tasks_status_check check ((status = any (array['pending'::text, 'processing'::text, 'completed'::text, 'failed'::text]))),
    constraint emoji_tasks_task_type_check check ((task_type = 'emoji'::text))
);

comment on table pickitchen.emoji_tasks is 'Emoji video generation: pending → processing → completed (video in the results bucket) or failed (points refunded once). Owners read their visible tasks (or subscribe through Realtime); only the backend writes.';

alter table only pickitchen.emoji_tasks
    add constraint emoji_tasks_idempotency_key unique (user_id, idempotency_key);

alter table only pickitchen.emoji_tasks
    add constraint emoji_tasks_pkey primary key (id);

create index emoji_tasks_history_idx on pickitchen.emoji_tasks using btree (user_id, created_at desc, id desc) where (hidden_at is null);

create trigger emoji_tasks_set_updated_at before update on pickitchen.emoji_tasks for each row execute function internal.set_updated_at();

alter table only pickitchen.emoji_tasks
    add constraint emoji_tasks_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table pickitchen.emoji_tasks enable row level security;

create policy "service role can read emoji tasks" on pickitchen.emoji_tasks for select to service_role using (true);

create policy "users can read own visible emoji tasks" on pickitchen.emoji_tasks for select to authenticated using (((user_id = ( select auth.uid() as uid)) and (hidden_at is null)));

alter publication supabase_realtime add table only pickitchen.emoji_tasks;

grant select on table pickitchen.emoji_tasks to authenticated;
grant select on table pickitchen.emoji_tasks to service_role;

create function internal.emoji_task_create(p_user_id uuid, p_image_path text, p_driven_id text, p_idempotency_key text, p_deadline interval) returns pickitchen.emoji_tasks
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_task pickitchen.emoji_tasks;
  v_template record;
  v_request jsonb := jsonb_build_object('image_path', p_image_path, 'driven_id', p_driven_id);
begin
  if p_idempotency_key is not null then
    v_task := jsonb_populate_record(null::pickitchen.emoji_tasks, internal.idempotent_row('pickitchen.emoji_tasks', p_user_id, p_idempotency_key, v_request));
    if v_task.id is not null then
      return v_task;
    end if;
  end if;
  if not exists (select 1 from pickitchen.emoji_detections d where d.user_id = p_user_id and d.image_path = p_image_path and d.passed) then
    raise exception using errcode = 'P0001', message = 'BUSINESS_RULE_VIOLATION',
      detail = 'This image has not passed face detection: call emoji/detect with it first.';
  end if;
  select * into v_template from internal.emoji_template(p_driven_id);
  if v_template.driven_id is null then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = format('There is no template %s.', p_driven_id);
  end if;

  insert into pickitchen.emoji_tasks (user_id, image_path, driven_id, style_name, points_cost, idempotency_key, deadline_at)
  values (p_user_id, p_image_path, p_driven_id, v_template.name, v_template.points, p_idempotency_key, now() + p_deadline)
  on conflict (user_id, idempotency_key) do nothing
  returning * into v_task;
  if v_task.id is null then
    -- A request with the same key created its task while this one was checking: that task is the answer.
    return jsonb_populate_record(null::pickitchen.emoji_tasks, internal.idempotent_row('pickitchen.emoji_tasks', p_user_id, p_idempotency_key, v_request));
  end if;
  if v_task.points_cost > 0 then
    -- Charged in the same transaction as the task: no task without its charge, no charge without its task.
    perform public.wallet_post('pickitchen', p_user_id, 'points', -v_task.points_cost, 'consume',
                               format('Emoji video: %s', v_task.style_name), format('emoji_task:%s:charge', v_task.id), 'emoji_task', v_task.id::text);
  end if;
  perform internal.enqueue_job('pickitchen.emoji', jsonb_build_object('task_id', v_task.id), v_task.id::text, now(), 0, 8);
  return v_task;
end
$$;

comment on function internal.emoji_task_create(p_user_id uuid, p_image_path text, p_driven_id text, p_idempotency_key text, p_deadline interval) is 'Accepts an emoji video task: needs a passed detection of the image and a known template; charges the template''s points and enqueues the job, all in one transaction. Idempotent per key, also for requests that arrive together.';

revoke all on function internal.emoji_task_create(p_user_id uuid, p_image_path text, p_driven_id text, p_idempotency_key text, p_deadline interval) from public;
grant all on function internal.emoji_task_create(p_user_id uuid, p_image_path text, p_driven_id text, p_idempotency_key text, p_deadline interval) to service_role;

create function internal.emoji_task_finish(p_id uuid, p_status text, p_result_path text, p_error_code text, p_error_message text) returns boolean
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_task pickitchen.emoji_tasks;
begin
  if p_status not in ('completed', 'failed') then
    raise exception using errcode = '22023', message = format('not a task outcome: %s', p_status);
  end if;
  -- Once: a second worker or a replay finds the task finished and changes nothing (no second refund). A task
  -- its owner deleted while it ran ends failed ('deleted', refunded) and keeps no video.
  update pickitchen.emoji_tasks
     set status = case when hidden_at is null then p_status else 'failed' end,
         result_path = case when hidden_at is null then p_result_path end,
         error_code = case when hidden_at is null then p_error_code else 'deleted' end,
         error_message = case when hidden_at is null then p_error_message else 'Deleted before it finished.' end,
         completed_at = now(),
         refunded = (hidden_at is not null or p_status = 'failed') and points_cost > 0
   where id = p_id and status in ('pending', 'processing')
  returning * into v_task;
  if v_task.id is null then
    return false;
  end if;
  if v_task.refunded then
    perform public.wallet_post('pickitchen', v_task.user_id, 'points', v_task.points_cost, 'refund',
                               format('Emoji video failed: %s', v_task.style_name), format('emoji_task:%s:refund', v_task.id), 'emoji_task', v_task.id::text);
  end if;
  return v_task.status = p_status;
end
$$;

comment on function internal.emoji_task_finish(p_id uuid, p_status text, p_result_path text, p_error_code text, p_error_message text) is 'Finishes an emoji task once: completed with its video, or failed with the error and the points refunded. False when it was already finished, or deleted meanwhile (then it is failed and refunded, and the caller discards the video).';

revoke all on function internal.emoji_task_finish(p_id uuid, p_status text, p_result_path text, p_error_code text, p_error_message text) from public;
grant all on function internal.emoji_task_finish(p_id uuid, p_status text, p_result_path text, p_error_code text, p_error_message text) to service_role;

create function internal.emoji_task_hide(p_user_id uuid, p_id uuid) returns pickitchen.emoji_tasks
    language sql security definer
    set search_path to ''
    as $$
  update pickitchen.emoji_tasks set hidden_at = now()
   where id = p_id and user_id = p_user_id and hidden_at is null
  returning *
$$;

comment on function internal.emoji_task_hide(p_user_id uuid, p_id uuid) is 'Removes an emoji task from its owner''s history (the caller then deletes its video); null when it is not theirs or already gone.';

revoke all on function internal.emoji_task_hide(p_user_id uuid, p_id uuid) from public;
grant all on function internal.emoji_task_hide(p_user_id uuid, p_id uuid) to service_role;

create function internal.emoji_task_started(p_id uuid, p_provider text, p_provider_task_id text) returns pickitchen.emoji_tasks
    language sql security definer
    set search_path to ''
    as $$
  -- The first provider task recorded stays: a second worker that raced gets the first one back.
  update pickitchen.emoji_tasks
     set status = 'processing', provider = coalesce(provider, p_provider), provider_task_id = coalesce(provider_task_id, p_provider_task_id),
         started_at = coalesce(started_at, now())
   where id = p_id and status in ('pending', 'processing')
  returning *
$$;

comment on function internal.emoji_task_started(p_id uuid, p_provider text, p_provider_task_id text) is 'Records the provider''s task of an emoji task (once) and marks it processing.';

revoke all on function internal.emoji_task_started(p_id uuid, p_provider text, p_provider_task_id text) from public;
grant all on function internal.emoji_task_started(p_id uuid, p_provider text, p_provider_task_id text) to service_role;

create function internal.emoji_template(p_driven_id text) returns table(driven_id text, name text, points integer)
    language sql stable security definer
    set search_path to ''
    as $$
  select t ->> 'driven_id', t ->> 'name',
         coalesce((t ->> 'points')::integer, (select (r.value ->> 'emoji')::integer from public.app_config r where r.app_id = 'pickitchen' and r.key = 'points_rules'))
    from public.app_config c,
         jsonb_array_elements(c.value) category,
         jsonb_array_elements(category -> 'templates') t
   where c.app_id = 'pickitchen' and c.key = 'styles' and t ->> 'driven_id' = p_driven_id
     and coalesce((t ->> 'enabled')::boolean, true)
   limit 1
$$;

comment on function internal.emoji_template(p_driven_id text) is 'A PicKitchen template from the styles config: its name and point price (its own "points", else points_rules.emoji).';

revoke all on function internal.emoji_template(p_driven_id text) from public;

create function internal.grant_weekly_vip_points_batch(p_week text default null::text, p_batch integer default 500, p_run_started timestamp with time zone default now()) returns integer
    language plpgsql
    set search_path to ''
    as $_$
declare
  v_week text := coalesce(p_week, to_char(now() at time zone 'UTC', 'IYYY-"W"IW'));
  v_sub record;
  v_done integer := 0;
begin
  if v_week !~ '^\d{4}-W\d{2}$' then
    raise exception using errcode = '22023', message = format('not an ISO week: %s', v_week);
  end if;
  for v_sub in
    select s.id, s.user_id, s.app_id, p.currency, p.grant_amount, p.title
      from public.subscriptions s
      join public.products p on p.id = s.product_id
     where s.app_id = 'pickitchen' and s.plan = 'weekly' and p.grant_amount > 0
       and s.status in ('active', 'cancelled', 'billing_issue')
       and s.current_period_end > now()
       and not exists (select 1 from public.wallet_entries e
                        where e.user_id = s.user_id and e.app_id = s.app_id and e.ref_type = 'vip_weekly_grant' and e.period = v_week)
       -- Whoever failed in this run waits for the next run.
       and not exists (select 1 from internal.job_failures f
                        where f.job = 'grant_weekly_vip_points' and f.subject = s.user_id::text and f.period = v_week and f.failed_at >= p_run_started)
     order by s.id
     limit p_batch
     for update of s skip locked
  loop
    begin
      perform public.wallet_post(v_sub.app_id, v_sub.user_id, v_sub.currency, v_sub.grant_amount, 'reward',
                                 format('%s: points of week %s', v_sub.title, v_week), format('vip_weekly_grant:%s', v_week),
                                 'vip_weekly_grant', v_sub.id::text, v_week);
    exception when others then
      insert into internal.job_failures (job, subject, period, error) values ('grant_weekly_vip_points', v_sub.user_id::text, v_week, sqlerrm);
    end;
    v_done := v_done + 1;
  end loop;
  return v_done;
end
$_$;

comment on function internal.grant_weekly_vip_points_batch(p_week text, p_batch integer, p_run_started timestamp with time zone) is 'Grants one batch of PicKitchen weekly VIP points for an ISO week (default: the current one); returns how many subscribers it handled, 0 when the week is done. Idempotent per user and week through the ledger''s period key; failures go to internal.job_failures and are retried by the next run.';

revoke all on function internal.grant_weekly_vip_points_batch(p_week text, p_batch integer, p_run_started timestamp with time zone) from public;

-- ======================================================================================================================
-- Data the schema files do not hold (a schema diff never writes rows): storage buckets, settings rows, the sync
-- registry, pg_cron schedules and, where pg_net exists (Supabase), the Vault-based worker kick.
-- ======================================================================================================================

-- Buckets, laid out as internal.object_user_segment() and the policies on storage.objects expect. A signed upload
-- URL carries no size or type, so file_size_limit and allowed_mime_types are the only rules for its bytes: each
-- bucket's limits are its upload purposes' (functions/_shared/upload-purposes.ts).
insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types) values
  ('avatars', 'avatars', true, 10 * 1024 * 1024, array['image/jpeg', 'image/png', 'image/webp', 'image/heic']),
  ('results', 'results', false, 100 * 1024 * 1024,
   array['video/mp4', 'image/gif', 'image/jpeg', 'image/png', 'image/webp', 'audio/mpeg', 'audio/mp4', 'application/json']),
  ('exports', 'exports', false, 100 * 1024 * 1024, array['application/zip', 'application/json']),
  ('uploads', 'uploads', false, 10 * 1024 * 1024, array['image/jpeg', 'image/png', 'image/webp', 'image/heic']),
  ('audio', 'audio', false, 20 * 1024 * 1024, array['audio/mpeg', 'audio/mp4', 'audio/aac', 'audio/wav', 'audio/webm', 'audio/ogg'])
on conflict (id) do update set
  public = excluded.public, file_size_limit = excluded.file_size_limit, allowed_mime_types = excluded.allowed_mime_types;

-- The one settings row of sync (tombstone horizon).
insert into internal.sync_settings default values;

-- Tables opted into sync with their conflict strategy (internal.enable_sync installed their triggers and indexes,
-- which the schema files hold; this is the registry row it wrote).
insert into internal.sync_tables (table_name, app_id, strategy) values
  ('public.sync_samples', 'coach', 'server_wins'),
  ('public.sync_samples_lww', 'coach', 'last_write_wins'),
  ('public.sync_samples_client', 'coach', 'client_wins'),
  ('public.sync_samples_manual', 'coach', 'manual'),
  ('coach.day_logs', 'coach', 'last_write_wins'),
  ('coach.workouts', 'coach', 'last_write_wins'),
  ('coach.meals', 'coach', 'last_write_wins'),
  ('coach.sleeps', 'coach', 'last_write_wins'),
  ('coach.work_notes', 'coach', 'last_write_wins'),
  ('coach.readings', 'coach', 'last_write_wins'),
  ('coach.targets', 'coach', 'last_write_wins'),
  ('coach.settings', 'coach', 'last_write_wins');

-- PicKitchen weekly VIP points: hourly on Mondays (UTC); the first run grants, later runs retry whoever failed. The
-- command commits after each batch (a DO block at top level may; a function may not), so locks stay short.
select cron.schedule('pickitchen-weekly-vip-points', '0 * * * 1', $cmd$do $job$
declare
  started timestamptz := clock_timestamp();
begin
  loop
    exit when internal.grant_weekly_vip_points_batch(null, 500, started) = 0;
    commit;
  end loop;
end
$job$$cmd$);
-- Daily clean-ups at quiet hours (UTC), and auth hook deliveries every quarter hour.
select cron.schedule('purge-sync-tombstones', '17 19 * * *', 'select internal.purge_expired_sync_tombstones()');
select cron.schedule('purge-finished-jobs', '43 19 * * *', 'select internal.purge_finished_jobs()');
select cron.schedule('purge-auth-hook-deliveries', '*/15 * * * *', 'select internal.purge_auth_hook_deliveries()');

-- Production trigger of the worker: pg_cron every minute, plus an immediate kick when a job is enqueued, both
-- through pg_net (Supabase has it; plain Postgres, like the local stack, does not — there `npm start` runs a loop
-- instead, and this block changes nothing). The worker's URL and key come from Supabase Vault:
-- vault.create_secret('<https://ref.supabase.co/functions/v1/worker/run>', 'houtai_worker_url') and
-- vault.create_secret('<sb_secret_… or the legacy service_role key>', 'houtai_service_role_key'). The key is sent as
-- internal.worker_kick_headers() says (50_jobs).
do $migration$
begin
  if not exists (select 1 from pg_available_extensions where name = 'pg_net') then
    raise notice 'pg_net is not available: the worker is driven from outside (npm start''s loop)';
    return;
  end if;
  create extension if not exists pg_net with schema extensions;

  execute $fn$
    create or replace function internal.kick_worker() returns void
    language plpgsql
    security definer
    set search_path = ''
    as $body$
    declare
      v_url text;
      v_key text;
    begin
      select decrypted_secret into v_url from vault.decrypted_secrets where name = 'houtai_worker_url';
      select decrypted_secret into v_key from vault.decrypted_secrets where name = 'houtai_service_role_key';
      if v_url is null or v_key is null then
        return;
      end if;
      -- Asynchronous: pg_net sends after commit and never blocks the enqueuing transaction.
      perform net.http_post(url := v_url, body := '{"budget_ms": 25000}'::jsonb, headers := internal.worker_kick_headers(v_key));
    end
    $body$
  $fn$;
  execute $fn$ comment on function internal.kick_worker() is 'Asks the worker function to run now (pg_net), with the URL and key (sb_secret_… or the legacy service_role key) kept in Vault. Security definer: it reads Vault.' $fn$;
  execute $fn$ revoke execute on function internal.kick_worker() from public $fn$;

  execute $fn$
    create or replace function internal.kick_worker_on_enqueue() returns trigger
    language plpgsql
    security definer
    set search_path = ''
    as $body$
    begin
      perform internal.kick_worker();
      return null;
    end
    $body$
  $fn$;
  execute $fn$ drop trigger if exists jobs_kick_worker on internal.jobs $fn$;
  execute $fn$ create trigger jobs_kick_worker after insert on internal.jobs for each statement execute function internal.kick_worker_on_enqueue() $fn$;

  perform cron.schedule('houtai-worker', '* * * * *', 'select internal.kick_worker()');
end
$migration$;

-- Back to the session's own settings for whatever runs after this migration.
reset search_path;
reset check_function_bodies;
