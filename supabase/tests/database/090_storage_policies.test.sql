-- Storage policies, checked with the statements Storage runs as the caller (supabase/storage's database layer).
begin;
select plan(27);

select tests.create_user('st-a@test.local');
select tests.create_user('st-b@test.local');
create temporary table ids as select tests.get_user_id('st-a@test.local')::text as a, tests.get_user_id('st-b@test.local')::text as b;
grant select on ids to anon, authenticated, service_role;

-- Objects written the way Storage's final writes are: as service_role.
select tests.authenticate_as_service_role();
insert into storage.objects (bucket_id, name, owner_id, version)
select 'avatars', a || '/me.png', a, '1' from ids union all
select 'uploads', 'diary/' || a || '/images/1.jpg', a, '1' from ids union all
select 'uploads', 'diary/' || b || '/images/1.jpg', b, '1' from ids union all
select 'results', 'pickitchen/' || a || '/results/1.mp4', null, '1' from ids union all
select 'exports', a || '/export.zip', null, '1' from ids union all
select 'audio', 'companion/' || b || '/voice/1.mp3', b, '1' from ids;
select tests.clear_authentication();
select set_config('storage.allow_delete_query', 'true', true);

-- owner
select tests.authenticate_as((select a::uuid from ids));
select is((select count(*)::int from storage.objects where bucket_id = 'uploads'), 1, 'a user sees only their own uploads');
select is((select count(*)::int from storage.objects where bucket_id = 'results'), 1, 'a user sees their own results');
select is((select count(*)::int from storage.objects where bucket_id = 'exports'), 0, 'exports are not readable directly, even by their owner');
select lives_ok($$ insert into storage.objects (bucket_id, name, version) select 'uploads', 'diary/' || a || '/images/2.jpg', '1' from ids $$, 'a user adds to their own uploads folder');
select lives_ok($$ insert into storage.objects (bucket_id, name, version) select 'avatars', a || '/2.png', '1' from ids $$, 'a user adds their own avatar');
select isnt_empty($$ update storage.objects set version = '2' where bucket_id = 'uploads' and name like 'diary/%' returning 1 $$, 'a user replaces their own uploads');
select isnt_empty($$ delete from storage.objects where bucket_id = 'avatars' and name like '%/2.png' returning 1 $$, 'a user deletes their own avatar');

-- the other user's files
select throws_ok($$ insert into storage.objects (bucket_id, name, version) select 'uploads', 'diary/' || b || '/images/x.jpg', '1' from ids $$, '42501', null, 'no uploads into another user''s folder');
select throws_ok($$ insert into storage.objects (bucket_id, name, version) select 'avatars', b || '/x.png', '1' from ids $$, '42501', null, 'no avatar for another user');
select is_empty($$ update storage.objects set version = '9' where name like '%' || (select b from ids) || '%' returning 1 $$, 'no overwriting another user''s files');
select is_empty($$ delete from storage.objects where name like '%' || (select b from ids) || '%' returning 1 $$, 'no deleting another user''s files');
select throws_ok($$ update storage.objects set name = 'diary/' || (select b from ids) || '/images/moved.jpg' where bucket_id = 'uploads' and name like 'diary/' || (select a from ids) || '%' $$,
  '42501', null, 'no moving a file into another user''s folder');
select throws_ok($$ insert into storage.objects (bucket_id, name, version) select 'uploads', 'tiktok/' || a || '/x.jpg', '1' from ids $$, '42501', null, 'no uploads outside a known app folder');
select throws_ok($$ insert into storage.objects (bucket_id, name, version) select 'uploads', a || '/x.jpg', '1' from ids $$, '42501', null, 'no uploads without the app segment');

-- audio: laid out and guarded as uploads
select lives_ok($$ insert into storage.objects (bucket_id, name, version) select 'audio', 'companion/' || a || '/voice/2.mp3', '1' from ids $$, 'a user adds to their own audio folder');
select is((select count(*)::int from storage.objects where bucket_id = 'audio'), 1, 'a user sees only their own audio');
select throws_ok($$ insert into storage.objects (bucket_id, name, version) select 'audio', 'companion/' || b || '/voice/x.mp3', '1' from ids $$, '42501', null, 'no audio into another user''s folder');
select is_empty($$ delete from storage.objects where bucket_id = 'audio' and name like '%' || (select b from ids) || '%' returning 1 $$, 'no deleting another user''s audio');
select isnt_empty($$ delete from storage.objects where bucket_id = 'audio' and name like '%' || (select a from ids) || '%' returning 1 $$, 'a user deletes their own audio');

-- results and exports are backend-written
select throws_ok($$ insert into storage.objects (bucket_id, name, version) select 'results', 'pickitchen/' || a || '/results/2.mp4', '1' from ids $$, '42501', null, 'users cannot write results');
select is_empty($$ update storage.objects set version = '9' where bucket_id = 'results' returning 1 $$, 'users cannot replace results');
select is_empty($$ delete from storage.objects where bucket_id = 'results' returning 1 $$, 'users cannot delete results');
select throws_ok($$ insert into storage.objects (bucket_id, name, version) select 'exports', a || '/x.zip', '1' from ids $$, '42501', null, 'users cannot write exports');

-- anon
select tests.clear_authentication();
select set_config('storage.allow_delete_query', 'true', true);
select tests.authenticate_as_anon();
select is((select count(*)::int from storage.objects where bucket_id <> 'avatars'), 0, 'anon sees nothing outside avatars');
select is((select count(*)::int from storage.objects where bucket_id = 'avatars' and name = (select a || '/me.png' from ids)), 1, 'anon reads avatars');
select throws_ok($$ insert into storage.objects (bucket_id, name, version) values ('avatars', 'x/y.png', '1') $$, '42501', null, 'anon cannot upload');

-- service_role
select tests.clear_authentication();
select tests.authenticate_as_service_role();
select is((select count(*)::int from storage.objects where name like '%' || (select a from ids) || '%'), 5, 'service_role sees everything');

select * from finish();
rollback;
