-- Accounts and sign-in: profiles, per-app profiles, devices, external (WeChat, device) accounts, session listing,
-- the auth hooks' bookkeeping, and the triggers that follow auth.users and auth.sessions.
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create function internal.aal_ok() returns boolean
    language sql stable security definer
    set search_path to ''
    as $$
  select coalesce(auth.jwt() ->> 'aal', '') = 'aal2'
      or not exists (select 1 from auth.mfa_factors f where f.user_id = auth.uid() and f.status = 'verified')
$$;

comment on function internal.aal_ok() is 'Whether the caller''s session may do a sensitive operation: a user with a verified MFA factor needs an aal2 token (supabase.auth.mfa.challenge + verify), a user without one any session (Supabase''s "enforce MFA for users who enrolled"). In policies as (select internal.aal_ok()). Security definer: auth.mfa_factors is not readable by clients.';

revoke all on function internal.aal_ok() from public;
grant all on function internal.aal_ok() to authenticated;
grant all on function internal.aal_ok() to service_role;

create function internal.require_aal2() returns void
    language plpgsql stable
    set search_path to ''
    as $$
begin
  if not internal.aal_ok() then
    raise exception using errcode = 'P0001', message = 'AAL2_REQUIRED',
      detail = 'This account has two-step verification: verify a code from the authenticator app first (mfa.challenge and mfa.verify), then try again.';
  end if;
end
$$;

comment on function internal.require_aal2() is 'Refuses (P0001 AAL2_REQUIRED, 403 in the API) when internal.aal_ok() is false: the first statement of every sensitive function (revoking a session; later account deletion and data export).';

revoke all on function internal.require_aal2() from public;
grant all on function internal.require_aal2() to authenticated;
grant all on function internal.require_aal2() to service_role;

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

create policy "users with mfa delete devices only at aal2" on public.devices as restrictive for delete to authenticated using (( select internal.aal_ok() as aal_ok));

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
  perform internal.require_aal2();
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

comment on function public.revoke_my_session(p_session_id uuid) is 'Ends one of the caller''s sessions (its refresh tokens go with it). Returns false when the caller has no such session; refuses an aal1 session of a user with MFA (internal.require_aal2). Security definer: clients cannot write auth.sessions.';

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

create function internal.user_exists(p_user_id uuid) returns boolean
    language sql stable security definer
    set search_path to ''
    as $$
  select exists (select 1 from auth.users u where u.id = p_user_id)
$$;

comment on function internal.user_exists(p_user_id uuid) is 'Whether the user is still in auth.users. Deleting a user cascades to their rows and runs those tables'' after-delete triggers once the user is gone: a trigger that keeps something for the user (counters, scores) asks here first and does nothing for a deleted user, so it cannot fail the deletion. Security definer: auth.users is not readable by clients.';

revoke all on function internal.user_exists(p_user_id uuid) from public;
grant all on function internal.user_exists(p_user_id uuid) to service_role;
