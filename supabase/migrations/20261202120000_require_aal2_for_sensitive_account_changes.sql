-- Sensitive account changes need aal2 from users who enrolled an MFA factor (issue 21, MFA).
--
-- internal.aal_ok() is Supabase's "enforce MFA for users who enrolled" rule in one place: a user with a verified
-- factor needs an aal2 token, a user without one any session. auth.mfa_factors is not readable by clients, so it is
-- security definer. internal.require_aal2() raises AAL2_REQUIRED (403 in the API) and opens every sensitive function:
-- revoking one of one's sessions now, account deletion and data export later. Forgetting a device is guarded in RLS by
-- a restrictive policy, so a client reaching public.devices directly meets the same rule as the API.
-- Why these: a stolen password alone (aal1) must not sign the owner's other devices out or stop their pushes.

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

create or replace function public.revoke_my_session(p_session_id uuid) returns boolean
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

comment on function public.revoke_my_session(p_session_id uuid) is 'Ends one of the caller''s sessions (its refresh tokens go with it). Returns false when the caller has no such session; refuses an aal1 session of a user with MFA (internal.require_aal2). Security definer: clients cannot write auth.sessions.';

create policy "users with mfa delete devices only at aal2" on public.devices as restrictive for delete to authenticated using (( select internal.aal_ok() as aal_ok));
