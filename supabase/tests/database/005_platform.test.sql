-- The platform objects our migrations rely on behave as on Supabase.
begin;
select plan(12);

select tests.act_as('authenticated', '{"sub":"6f1d9c1e-2b7a-4d3c-9e8f-0a1b2c3d4e5f","role":"authenticated","email":"a@b.c","app_metadata":{"provider":"phone"}}');
select is(auth.uid(), '6f1d9c1e-2b7a-4d3c-9e8f-0a1b2c3d4e5f'::uuid, 'auth.uid() reads sub from request.jwt.claims');
select is(auth.role(), 'authenticated', 'auth.role() reads role');
select is(auth.email(), 'a@b.c', 'auth.email() reads email');
select is(auth.jwt() -> 'app_metadata' ->> 'provider', 'phone', 'auth.jwt() returns the whole claims object');
select tests.clear_authentication();
select is(auth.uid(), null, 'no claims, no user');
select is(current_user::text, 'postgres', 'clear_authentication returns to the runner''s role');

select is(storage.foldername('app/user/pic.png'), array['app', 'user'], 'storage.foldername() gives the folders');
select is(storage.filename('app/user/pic.png'), 'pic.png', 'storage.filename() gives the file name');
select is(storage.extension('a/x.tar.gz'), 'gz', 'storage.extension() gives the last extension');

select ok(exists (select 1 from pg_publication where pubname = 'supabase_realtime'), 'the realtime publication exists');
select is((select setting from pg_settings where name = 'shared_preload_libraries'), 'pg_cron', 'pg_cron is preloaded');
select matches(
  (select c from pg_roles r, unnest(r.rolconfig) c where r.rolname = 'authenticator' and c like 'pgrst.db_schemas=%'),
  'public, coach, companion, quit, diary, pickitchen', 'the exposed schemas are published for PostgREST and the advisors');

select * from finish();
rollback;
