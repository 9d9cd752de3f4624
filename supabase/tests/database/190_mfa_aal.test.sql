-- Sensitive writes need aal2 from users who enrolled MFA (internal.aal_ok, internal.require_aal2), as PostgREST
-- would run them: revoking a session, deleting a device.
begin;
select plan(14);

select tests.create_user('aal-enrolled@test.local');
select tests.create_user('aal-plain@test.local');
select tests.create_user('aal-pending@test.local');
-- A verified TOTP factor for the first user; only an unverified one (enrolment not finished) for the third.
insert into auth.mfa_factors (id, user_id, friendly_name, factor_type, status, created_at, updated_at, secret) values
  (gen_random_uuid(), tests.get_user_id('aal-enrolled@test.local'), 'phone app', 'totp', 'verified', now(), now(), 'S'),
  (gen_random_uuid(), tests.get_user_id('aal-pending@test.local'), 'phone app', 'totp', 'unverified', now(), now(), 'S');
insert into auth.sessions (id, user_id, created_at, updated_at) values
  ('aa100000-0000-4000-8000-00000000000a', tests.get_user_id('aal-enrolled@test.local'), now(), now()),
  ('aa100000-0000-4000-8000-00000000000b', tests.get_user_id('aal-plain@test.local'), now(), now());
insert into public.devices (id, user_id, app_id, installation_id, platform) values
  ('aa100000-0000-4000-8000-0000000000d1', tests.get_user_id('aal-enrolled@test.local'), 'coach', 'aal-1', 'ios'),
  ('aa100000-0000-4000-8000-0000000000d2', tests.get_user_id('aal-plain@test.local'), 'coach', 'aal-2', 'ios');

-- The claims PostgREST publishes for a user's token at the given level.
create function pg_temp.act_at(p_email text, p_aal text) returns void language sql as $$
  select tests.act_as('authenticated', jsonb_build_object('sub', tests.get_user_id(p_email), 'role', 'authenticated',
                                                         'aud', 'authenticated', 'aal', p_aal))
$$;

-- enrolled user, aal1 --------------------------------------------------------------------------------------------
select pg_temp.act_at('aal-enrolled@test.local', 'aal1');
select is(internal.aal_ok(), false, 'an aal1 session of a user with a verified factor is not enough');
select throws_ok($$ select public.revoke_my_session('aa100000-0000-4000-8000-00000000000a') $$, 'P0001', 'AAL2_REQUIRED',
  '... to revoke a session');
select is_empty($$ delete from public.devices returning 1 $$, '... nor to delete a device');
select throws_ok($$ select 1 from auth.mfa_factors $$, '42501', null, 'users cannot read auth.mfa_factors themselves');

-- enrolled user, aal2 --------------------------------------------------------------------------------------------
select tests.clear_authentication();
select pg_temp.act_at('aal-enrolled@test.local', 'aal2');
select is(internal.aal_ok(), true, 'an aal2 session of a user with a verified factor is enough');
select is(public.revoke_my_session('aa100000-0000-4000-8000-00000000000a'), true, '... to revoke a session');
select isnt_empty($$ delete from public.devices returning 1 $$, '... and to delete a device');

-- user without factors, aal1 -------------------------------------------------------------------------------------
select tests.clear_authentication();
select pg_temp.act_at('aal-plain@test.local', 'aal1');
select is(internal.aal_ok(), true, 'a user without factors needs no second factor');
select is(public.revoke_my_session('aa100000-0000-4000-8000-00000000000b'), true, '... to revoke a session');
select isnt_empty($$ delete from public.devices returning 1 $$, '... or to delete a device');

-- a factor whose enrolment was never verified does not count ------------------------------------------------------
select tests.clear_authentication();
select pg_temp.act_at('aal-pending@test.local', 'aal1');
select is(internal.aal_ok(), true, 'an unverified factor asks for nothing yet');

-- the claims' shape: no aal claim at all (an API key's or an old token's) is not aal2 -----------------------------
select tests.clear_authentication();
select tests.authenticate_as(tests.get_user_id('aal-enrolled@test.local'));
select is(internal.aal_ok(), false, 'a token without an aal claim is not aal2');

select tests.clear_authentication();
select is((select count(*)::int from auth.sessions where id::text like 'aa100000-%'), 0, 'both revocations happened');
select is((select count(*)::int from public.devices where installation_id like 'aal-%'), 0, 'both deletions happened');

select * from finish();
rollback;
