-- Append-only audit trail of account security events: sign-ups, sign-ins (and failed ones we see), sign-outs,
-- OTPs sent, device and WeChat logins, revoked sessions. Server-only (schema internal). Rows can be
-- appended through internal.audit(); nobody may change or delete them except the retention job.

create table internal.audit_log (
  id bigint generated always as identity primary key,
  occurred_at timestamptz not null default now(),
  action text not null check (action in (
    'sign_up', 'sign_in', 'sign_in_failed', 'sign_out', 'otp_sent', 'device_login', 'wechat_login', 'session_revoked')),
  -- No foreign key: the trail outlives deleted users.
  actor_id uuid,
  app_id public.app_id,
  ip inet,
  user_agent text,
  details jsonb not null default '{}'::jsonb
);
comment on table internal.audit_log is 'Append-only account security events (who, which app, from where, when). Written by internal.audit() and triggers on auth.users/auth.sessions; pruned only by internal.prune_audit_log().';

create index audit_log_actor_id_occurred_at_idx on internal.audit_log (actor_id, occurred_at desc);
create index audit_log_action_occurred_at_idx on internal.audit_log (action, occurred_at desc);

revoke all on internal.audit_log from public, anon, authenticated, service_role;
grant select on internal.audit_log to service_role;

-- Even the owner cannot rewrite history; deletion only inside the retention job.
create or replace function internal.audit_log_guard() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'DELETE' and coalesce(current_setting('houtai.audit_retention', true), '') = 'on' then
    return old;
  end if;
  raise exception using errcode = '42501', message = 'internal.audit_log is append-only';
end
$$;
comment on function internal.audit_log_guard() is 'Trigger: refuses updates, and deletes outside internal.prune_audit_log().';

create trigger audit_log_append_only before update or delete on internal.audit_log
  for each row execute function internal.audit_log_guard();

create or replace function internal.audit(
  p_action text,
  p_actor uuid,
  p_app public.app_id default null,
  p_ip text default null,
  p_user_agent text default null,
  p_details jsonb default '{}'::jsonb
) returns void
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into internal.audit_log (action, actor_id, app_id, ip, user_agent, details)
  values (p_action, p_actor, p_app,
          case when p_ip ~ '^[0-9a-fA-F:.]+$' then p_ip::inet end,
          left(p_user_agent, 512), coalesce(p_details, '{}'::jsonb));
end
$$;
comment on function internal.audit(text, uuid, public.app_id, text, text, jsonb) is
  'Appends one audit event. Security definer so callers need no rights on the table itself; an unparseable IP is stored as null.';
revoke execute on function internal.audit(text, uuid, public.app_id, text, text, jsonb) from public;
grant execute on function internal.audit(text, uuid, public.app_id, text, text, jsonb) to service_role;

create or replace function internal.prune_audit_log(p_older_than interval) returns bigint
language plpgsql
security definer
set search_path = ''
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
comment on function internal.prune_audit_log(interval) is 'Retention: deletes audit events older than the interval; the only way rows ever leave the log.';
revoke execute on function internal.prune_audit_log(interval) from public;

-- Events Auth itself performs, seen where they land: new users and sessions.
create or replace function internal.audit_auth_user_created() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform internal.audit('sign_up', new.id, null, null, null, jsonb_build_object(
    'provider', coalesce(new.raw_app_meta_data ->> 'provider', case when new.is_anonymous then 'anonymous' end),
    'is_anonymous', new.is_anonymous));
  return new;
end
$$;
comment on function internal.audit_auth_user_created() is 'Trigger on auth.users: records sign-ups. Security definer: Auth writes as supabase_auth_admin.';
revoke execute on function internal.audit_auth_user_created() from public;

create or replace function internal.audit_auth_session_changed() returns trigger
language plpgsql
security definer
set search_path = ''
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
revoke execute on function internal.audit_auth_session_changed() from public;

create trigger on_auth_user_created_audit after insert on auth.users
  for each row execute function internal.audit_auth_user_created();
create trigger on_auth_session_changed_audit after insert or delete on auth.sessions
  for each row execute function internal.audit_auth_session_changed();
