-- Core schema shared by all five apps: the app catalog, one profile per person, one profile per person per
-- app, the devices each app registers, and the `internal` schema for state no client may ever see.
-- Every table reachable through PostgREST gets RLS, explicit grants and its policies here, in the same
-- migration that creates it.

create schema if not exists internal;
comment on schema internal is 'Server-only state (rate limits, queues, inboxes). Not exposed through PostgREST; no client grants.';
revoke all on schema internal from public;
grant usage on schema internal to service_role;

-- One schema per app for its own tables, exposed through PostgREST (config.toml [api] schemas).
create schema if not exists coach;
create schema if not exists companion;
create schema if not exists quit;
create schema if not exists diary;
create schema if not exists pickitchen;
comment on schema coach is 'Daily Coach (日常教练): day logs, five dimensions, targets, settings.';
comment on schema companion is 'Companion (AI 伴侣): personas, conversations, messages, vocabulary.';
comment on schema quit is 'Quit Journey (焕新之旅): quit profile, check-ins, smoking records, achievements.';
comment on schema diary is 'Growth Diary (成长日记): diaries, tasks, prizes, lottery.';
comment on schema pickitchen is 'PicKitchen: emoji detection and generation tasks, remote config.';
grant usage on schema coach, companion, quit, diary, pickitchen to anon, authenticated, service_role;

-- The apps are a closed set known to code and database alike: an enum keeps the list in one place
-- (the generated TypeScript types carry it to the API).
create type public.app_id as enum ('coach', 'companion', 'quit', 'diary', 'pickitchen');
comment on type public.app_id is 'The apps this backend serves; every per-app row carries one.';

create or replace function internal.set_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end
$$;
comment on function internal.set_updated_at() is 'Trigger: stamps updated_at on every update.';

create or replace function internal.is_valid_timezone(tz text) returns boolean
language plpgsql immutable strict
set search_path = ''
as $$
begin
  perform now() at time zone tz;
  return tz ~ '^[A-Za-z_]+(/[A-Za-z0-9_+-]+)*$';
exception when invalid_parameter_value then
  return false;
end
$$;
comment on function internal.is_valid_timezone(text) is 'True for IANA zone names Postgres knows (Asia/Shanghai, UTC); null for null, so optional columns pass their check constraints.';
grant execute on function internal.is_valid_timezone(text) to anon, authenticated, service_role;

-- apps ------------------------------------------------------------------------------------------------

create table public.apps (
  id public.app_id primary key,
  name text not null,
  name_zh text not null,
  description text not null default '',
  created_at timestamptz not null default now()
);
comment on table public.apps is 'The five apps served by this backend. Catalog data from seed/; readable by everyone, written only by admins.';

alter table public.apps enable row level security;
revoke all on public.apps from anon, authenticated, service_role;
grant select on public.apps to anon, authenticated;
grant select, insert, update, delete on public.apps to service_role;

create policy "anon can read apps" on public.apps for select to anon using (true);
create policy "authenticated users can read apps" on public.apps for select to authenticated using (true);

-- profiles --------------------------------------------------------------------------------------------

create table public.profiles (
  id uuid primary key references auth.users (id) on delete cascade,
  display_name text check (char_length(display_name) between 1 and 64),
  avatar_path text check (char_length(avatar_path) between 1 and 512),
  timezone text not null default 'Asia/Shanghai' check (internal.is_valid_timezone(timezone)),
  locale text not null default 'zh-CN' check (locale ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
comment on table public.profiles is 'One per person (auth user), shared by every app: display name, avatar, IANA timezone used for local dates, locale. Created by a trigger on auth.users.';

alter table public.profiles enable row level security;
revoke all on public.profiles from anon, authenticated, service_role;
grant select on public.profiles to authenticated;
grant update (display_name, avatar_path, timezone, locale) on public.profiles to authenticated;
grant select, insert, update, delete on public.profiles to service_role;

create policy "users can read own profile" on public.profiles
  for select to authenticated using (id = (select auth.uid()));
create policy "users can update own profile" on public.profiles
  for update to authenticated using (id = (select auth.uid())) with check (id = (select auth.uid()));

create trigger profiles_set_updated_at before update on public.profiles
  for each row execute function internal.set_updated_at();

-- app_profiles ----------------------------------------------------------------------------------------

create table public.app_profiles (
  user_id uuid not null references auth.users (id) on delete cascade,
  app_id public.app_id not null references public.apps (id),
  preferences jsonb not null default '{}'::jsonb
    check (jsonb_typeof(preferences) = 'object' and pg_column_size(preferences) <= 16384),
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (user_id, app_id)
);
comment on table public.app_profiles is 'A person''s profile in one app: app-specific preferences and when they were first/last seen there. Apps extend it with their own tables keyed on (user_id, app_id).';

create index app_profiles_app_id_idx on public.app_profiles (app_id);

alter table public.app_profiles enable row level security;
revoke all on public.app_profiles from anon, authenticated, service_role;
grant select on public.app_profiles to authenticated;
grant insert (user_id, app_id, preferences) on public.app_profiles to authenticated;
grant update (preferences, last_seen_at) on public.app_profiles to authenticated;
grant select, insert, update, delete on public.app_profiles to service_role;

create policy "users can read own app profiles" on public.app_profiles
  for select to authenticated using (user_id = (select auth.uid()));
create policy "users can create own app profiles" on public.app_profiles
  for insert to authenticated with check (user_id = (select auth.uid()));
create policy "users can update own app profiles" on public.app_profiles
  for update to authenticated using (user_id = (select auth.uid())) with check (user_id = (select auth.uid()));

create trigger app_profiles_set_updated_at before update on public.app_profiles
  for each row execute function internal.set_updated_at();

-- devices ---------------------------------------------------------------------------------------------

create table public.devices (
  id uuid primary key default gen_random_uuid(),
  user_id uuid not null references auth.users (id) on delete cascade,
  app_id public.app_id not null references public.apps (id),
  installation_id text not null check (char_length(installation_id) between 1 and 128),
  platform text not null check (platform in ('ios', 'android', 'harmony', 'wechat', 'web')),
  push_vendor text check (push_vendor in ('apns', 'fcm', 'hms', 'xiaomi', 'oppo', 'vivo', 'honor', 'jpush', 'getui', 'wechat')),
  push_token text check (char_length(push_token) between 1 and 4096),
  locale text check (locale ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'),
  timezone text check (internal.is_valid_timezone(timezone)),
  app_version text check (char_length(app_version) <= 32),
  os_version text check (char_length(os_version) <= 64),
  model text check (char_length(model) <= 128),
  last_seen_at timestamptz not null default now(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint devices_installation_key unique (user_id, app_id, installation_id),
  constraint devices_push_pair check ((push_vendor is null) = (push_token is null))
);
comment on table public.devices is 'An app installation a user signed in on: platform, push vendor and token, locale, timezone, versions. Written only through public.register_device(); users read and delete their own.';

create unique index devices_push_token_key on public.devices (app_id, push_vendor, push_token) where push_token is not null;
create index devices_user_id_app_id_idx on public.devices (user_id, app_id);

alter table public.devices enable row level security;
revoke all on public.devices from anon, authenticated, service_role;
grant select, delete on public.devices to authenticated;
grant select, insert, update, delete on public.devices to service_role;

create policy "users can read own devices" on public.devices
  for select to authenticated using (user_id = (select auth.uid()));
create policy "users can delete own devices" on public.devices
  for delete to authenticated using (user_id = (select auth.uid()));

create trigger devices_set_updated_at before update on public.devices
  for each row execute function internal.set_updated_at();

create or replace function public.register_device(
  p_app_id public.app_id,
  p_installation_id text,
  p_platform text,
  p_push_vendor text default null,
  p_push_token text default null,
  p_locale text default null,
  p_timezone text default null,
  p_app_version text default null,
  p_os_version text default null,
  p_model text default null
) returns public.devices
language plpgsql
security definer
set search_path = ''
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
comment on function public.register_device(public.app_id, text, text, text, text, text, text, text, text, text) is
  'Registers (or refreshes) the caller''s installation of an app. Security definer because a push token moves between accounts on a shared phone: the previous owner''s row, invisible to the caller under RLS, must lose the token. Acts only for auth.uid().';
revoke execute on function public.register_device(public.app_id, text, text, text, text, text, text, text, text, text) from public, anon;
grant execute on function public.register_device(public.app_id, text, text, text, text, text, text, text, text, text) to authenticated, service_role;

-- new users -------------------------------------------------------------------------------------------

create or replace function internal.handle_new_user() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
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
$$;
comment on function internal.handle_new_user() is
  'Trigger on auth.users: creates the profile (and the sign-up app''s app profile). Security definer because Auth inserts users as supabase_auth_admin, which has no rights on public tables.';
revoke execute on function internal.handle_new_user() from public;

create trigger on_auth_user_created after insert on auth.users
  for each row execute function internal.handle_new_user();
