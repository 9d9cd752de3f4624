begin;
select plan(13);

-- Versions come from the owner's clock, whoever writes.
select tests.create_user('sync-a@test.local');
select tests.create_user('sync-b@test.local');
select tests.authenticate_as(tests.get_user_id('sync-a@test.local'));
insert into public.sync_samples (id, user_id, title) values ('00000000-0000-4000-8000-000000000001', auth.uid(), 'one');
insert into public.sync_samples_manual (id, user_id, title) values ('00000000-0000-4000-8000-000000000002', auth.uid(), 'two');
select is((select array_agg(version order by version) from public.sync_pull('coach', 0)), array[1, 2]::bigint[], 'one clock per user across tables');
update public.sync_samples set title = 'one again' where id = '00000000-0000-4000-8000-000000000001';
select is((select version from public.sync_samples where id = '00000000-0000-4000-8000-000000000001'), 3::bigint, 'an update takes the next version');
select throws_ok($$ update public.sync_samples set version = 100 $$, '42501', null, 'clients cannot set versions');

-- Server-only bookkeeping stays closed to clients; its functions act for the caller only.
select throws_ok($$ select * from internal.sync_devices $$, '42501', null, 'users cannot read device bookkeeping');
select throws_ok($$ select * from internal.sync_imports $$, '42501', null, 'users cannot read import records');
select throws_ok($$ select * from internal.sync_settings $$, '42501', null, 'users cannot read sync settings');
select throws_ok($$ select internal.purge_expired_sync_tombstones() $$, '42501', null, 'users cannot purge');
select public.sync_touch_device('coach', 'phone-a', 3);
select tests.authenticate_as(tests.get_user_id('sync-b@test.local'));
select is((select count(*)::int from public.sync_status('coach')), 0, 'another user sees no one else''s devices');
select tests.authenticate_as_anon();
select throws_ok($$ select * from public.sync_status('coach') $$, '42501', null, 'anonymous callers have no sync status');

-- The horizon is a setting; the daily purge honours it and marks what it removed.
select tests.clear_authentication();
update internal.sync_settings set tombstone_horizon = interval '2 days';
update public.sync_samples set deleted_at = now() - interval '3 days' where id = '00000000-0000-4000-8000-000000000001';
update public.sync_samples_manual set deleted_at = now() - interval '1 day' where id = '00000000-0000-4000-8000-000000000002';
select is(internal.purge_expired_sync_tombstones(), 1::bigint, 'the purge marks the user whose tombstone passed the horizon');
select is((select count(*)::int from public.sync_samples_manual where user_id = tests.get_user_id('sync-a@test.local')), 1, 'a younger tombstone stays');
select is((select purged_through from internal.sync_clocks where user_id = tests.get_user_id('sync-a@test.local')), 4::bigint, 'the mark is the purged tombstone''s version');
select is((select schedule from cron.job where jobname = 'purge-sync-tombstones'), '17 19 * * *', 'the purge runs daily');

select * from finish();
rollback;
