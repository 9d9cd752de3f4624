-- A user's view of their own Auth sessions ("devices signed in") and the way to end one.
-- Auth's tables are not exposed, so these run as their owner, strictly scoped to auth.uid().

create or replace function public.list_my_sessions()
returns table (
  id uuid,
  created_at timestamptz,
  updated_at timestamptz,
  refreshed_at timestamptz,
  user_agent text,
  ip text,
  aal text,
  current boolean
)
language sql
stable
security definer
set search_path = ''
as $$
  select s.id, s.created_at, s.updated_at, s.refreshed_at at time zone 'utc', s.user_agent, host(s.ip), s.aal::text,
         s.id = nullif(auth.jwt() ->> 'session_id', '')::uuid
    from auth.sessions s
   where s.user_id = auth.uid()
   order by coalesce(s.refreshed_at at time zone 'utc', s.created_at) desc
$$;
comment on function public.list_my_sessions() is
  'The caller''s Auth sessions, newest activity first, flagging the current one. Security definer: auth.sessions is not readable by clients; rows are limited to auth.uid().';
revoke execute on function public.list_my_sessions() from public, anon;
grant execute on function public.list_my_sessions() to authenticated;

create or replace function public.revoke_my_session(p_session_id uuid) returns boolean
language plpgsql
security definer
set search_path = ''
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
comment on function public.revoke_my_session(uuid) is
  'Ends one of the caller''s sessions (its refresh tokens go with it). Returns false when the caller has no such session. Security definer: clients cannot write auth.sessions.';
revoke execute on function public.revoke_my_session(uuid) from public, anon;
grant execute on function public.revoke_my_session(uuid) to authenticated;
