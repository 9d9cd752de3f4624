-- internal.check_upload: before an uploaded file is used, the object as Storage stored it (its metadata) is held
-- against the purpose, and it must sit in the caller's folder for that purpose.
begin;
select plan(12);

select tests.create_user('cu-a@test.local');
select tests.create_user('cu-b@test.local');
create temporary table ids as select tests.get_user_id('cu-a@test.local')::text as a, tests.get_user_id('cu-b@test.local')::text as b;
grant select on ids to anon, authenticated, service_role;

-- Objects as Storage's final writes leave them: size and mimetype are what was actually sent.
select tests.authenticate_as_service_role();
insert into storage.objects (bucket_id, name, owner_id, version, metadata)
select 'uploads', 'pickitchen/' || a || '/sources/' || file, a, '1', metadata::jsonb
  from ids, (values
    ('photo.jpg', '{"size": 100, "mimetype": "image/jpeg"}'),
    ('song.jpg', '{"size": 12582912, "mimetype": "audio/mpeg"}'),
    ('huge.jpg', '{"size": 10485761, "mimetype": "image/jpeg"}'),
    ('photo.heic', '{"size": 100, "mimetype": "image/heic"}'),
    ('bare.jpg', '{}')) as f (file, metadata);
select tests.clear_authentication();

-- The emoji source purpose as the functions pass it (upload-check.ts): jpeg, png or webp of at most 10 MB.
create function pg_temp.check_source(p_name text, p_user text) returns table (size bigint, content_type text)
language sql as $$
  select * from internal.check_upload('emoji_source', 'uploads', p_name, 'pickitchen/' || p_user || '/sources/', 10485760,
                                      array['image/jpeg', 'image/png', 'image/webp'])
$$;
grant execute on function pg_temp.check_source(text, text) to anon, authenticated, service_role;

-- owner
select tests.authenticate_as((select a::uuid from ids));
select results_eq($$ select * from pg_temp.check_source('pickitchen/' || (select a from ids) || '/sources/photo.jpg', (select a from ids)) $$,
  $$ values (100::bigint, 'image/jpeg') $$, 'a stored photo that fits gives its size and type');
select throws_ok($$ select pg_temp.check_source('pickitchen/' || (select a from ids) || '/sources/song.jpg', (select a from ids)) $$,
  'P0001', 'UPLOAD_INVALID', '12 MB of audio/mpeg under a photo''s name is refused');
select throws_ok($$ select pg_temp.check_source('pickitchen/' || (select a from ids) || '/sources/huge.jpg', (select a from ids)) $$,
  'P0001', 'UPLOAD_INVALID', 'a photo over the purpose''s size is refused');
select throws_ok($$ select pg_temp.check_source('pickitchen/' || (select a from ids) || '/sources/photo.heic', (select a from ids)) $$,
  'P0001', 'UPLOAD_INVALID', 'a type the bucket takes but the purpose does not is refused');
select throws_ok($$ select pg_temp.check_source('pickitchen/' || (select a from ids) || '/sources/bare.jpg', (select a from ids)) $$,
  'P0001', 'UPLOAD_INVALID', 'an object without a stored size and type is refused');
select throws_ok($$ select pg_temp.check_source('pickitchen/' || (select a from ids) || '/sources/missing.jpg', (select a from ids)) $$,
  'P0001', 'NOT_FOUND', 'a file never uploaded is not found');
select throws_ok($$ select pg_temp.check_source('pickitchen/' || (select a from ids) || '/sources/../sources/photo.jpg', (select a from ids)) $$,
  'P0001', 'NOT_FOUND', 'a name with dot segments is not found');
select throws_ok($$ select pg_temp.check_source('pickitchen/' || (select a from ids) || '/sources//photo.jpg', (select a from ids)) $$,
  'P0001', 'NOT_FOUND', 'a name with an empty segment is not found');

-- another user
select tests.authenticate_as((select b::uuid from ids));
select throws_ok($$ select pg_temp.check_source('pickitchen/' || (select a from ids) || '/sources/photo.jpg', (select b from ids)) $$,
  'P0001', 'NOT_FOUND', 'another user''s photo is not in the caller''s folder');
select throws_ok($$ select pg_temp.check_source('pickitchen/' || (select a from ids) || '/sources/photo.jpg', (select a from ids)) $$,
  'P0001', 'NOT_FOUND', 'another user''s photo stays hidden by the storage policies even with its folder');

-- anon
select tests.authenticate_as_anon();
select throws_ok($$ select pg_temp.check_source('pickitchen/' || (select a from ids) || '/sources/photo.jpg', (select a from ids)) $$,
  '42501', null, 'anon cannot run the check');

-- service_role (the worker): the folder decides
select tests.authenticate_as_service_role();
select results_eq($$ select content_type from pg_temp.check_source('pickitchen/' || (select a from ids) || '/sources/photo.jpg', (select a from ids)) $$,
  $$ values ('image/jpeg') $$, 'service_role checks any user''s file in that user''s folder');

select * from finish();
rollback;
