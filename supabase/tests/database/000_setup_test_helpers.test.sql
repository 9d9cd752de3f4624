-- Test helpers used by every pgTAP file (committed, not rolled back, so later files can call them).
-- Modelled on basejump's supabase_test_helpers: act as a user exactly as PostgREST would.
create extension if not exists pgtap with schema extensions;

create schema if not exists tests;
grant usage on schema tests to anon, authenticated, service_role;

-- A user in auth.users (the profile trigger fires as it does for real sign-ups).
create or replace function tests.create_user(p_email text, p_meta jsonb default '{}'::jsonb) returns uuid
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_id uuid := gen_random_uuid();
begin
  insert into auth.users (id, aud, role, email, raw_app_meta_data, raw_user_meta_data, created_at, updated_at)
  values (v_id, 'authenticated', 'authenticated', p_email, '{"provider":"email"}'::jsonb, p_meta, now(), now());
  return v_id;
end
$$;

create or replace function tests.get_user_id(p_email text) returns uuid
language sql
security definer
set search_path = ''
as $$ select id from auth.users where email = p_email $$;

-- Act as a role with the given JWT claims for the rest of the transaction, as PostgREST does per request.
create or replace function tests.act_as(p_role text, p_claims jsonb) returns void
language plpgsql
as $$
begin
  perform set_config('role', p_role, true);
  perform set_config('request.jwt.claims', coalesce(p_claims::text, ''), true);
end
$$;

create or replace function tests.authenticate_as(p_user uuid) returns void
language sql
as $$ select tests.act_as('authenticated', jsonb_build_object('sub', p_user, 'role', 'authenticated', 'aud', 'authenticated')) $$;

create or replace function tests.authenticate_as_anon() returns void
language sql
as $$ select tests.act_as('anon', '{"role":"anon"}') $$;

create or replace function tests.authenticate_as_service_role() returns void
language sql
as $$ select tests.act_as('service_role', '{"role":"service_role"}') $$;

-- Back to the test runner's own role.
create or replace function tests.clear_authentication() returns void
language sql
as $$ select tests.act_as('postgres', null) $$;

grant execute on all functions in schema tests to anon, authenticated, service_role;

select plan(1);
select has_function('tests', 'authenticate_as', array['uuid'], 'test helpers are installed');
select * from finish();
