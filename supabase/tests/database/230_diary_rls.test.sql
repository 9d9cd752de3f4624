-- Growth Diary: breaking attempts against every diary table, as PostgREST would run them (anon, another user, the
-- owner writing what belongs to the server).
begin;
select plan(48);

select tests.create_user('dr-a@test.local');
select tests.create_user('dr-b@test.local');
create temporary table u as select tests.get_user_id('dr-a@test.local') as a, tests.get_user_id('dr-b@test.local') as b;
create temporary table d as select diary.local_date('Asia/Shanghai') as today;
grant select on u, d to anon, authenticated, service_role;

-- A's rows: a diary with an uploaded image, a custom task, a completion and a draw.
insert into storage.objects (bucket_id, name, metadata) values
  ('uploads', format('diary/%s/images/ok.jpg', (select a from u)), '{"size": 2048, "mimetype": "image/jpeg"}'),
  ('uploads', format('diary/%s/images/clip.mp4', (select a from u)), '{"size": 2048, "mimetype": "video/mp4"}'),
  ('uploads', format('diary/%s/images/b.jpg', (select b from u)), '{"size": 2048, "mimetype": "image/jpeg"}');
select tests.authenticate_as((select a from u));
insert into diary.diaries (id, entry_date, content, mood, weather, images)
values ('00000000-0000-4000-8000-0000000da000', (select today - 1 from d), 'A''s diary', 'happy', 'sunny',
        array[format('diary/%s/images/ok.jpg', (select a from u))]);
insert into diary.custom_tasks (id, task_date, title, points_reward) values ('00000000-0000-4000-8000-0000000ca000', (select today from d), 'A''s task', 5);
select tests.authenticate_as_service_role();
select public.wallet_post('diary', (select a from u), 'points', 50, 'reward', 'test points', 'test-points');
select diary.complete_task((select a from u), '00000000-0000-4000-8000-0000000ca000', (select today from d));
select diary.draw((select a from u), 'rls-draw');
select tests.clear_authentication();

-- Anon: nothing of the diary schema at all.
select tests.authenticate_as_anon();
select throws_ok($$ select * from diary.diaries $$, '42501', null, 'anon cannot read diaries');
select throws_ok($$ select * from diary.profiles $$, '42501', null, 'anon cannot read diary profiles');
select throws_ok($$ select * from diary.system_tasks $$, '42501', null, 'anon cannot read the task catalog');
select throws_ok($$ select * from diary.prizes $$, '42501', null, 'anon cannot read the prizes');
select throws_ok($$ select * from diary.lottery_draws $$, '42501', null, 'anon cannot read draws');

-- Another user (B) against A's rows.
select tests.authenticate_as((select b from u));
select is_empty($$ select 1 from diary.profiles where user_id = (select a from u) $$, 'B cannot read A''s profile');
select is_empty($$ select 1 from diary.diaries where user_id = (select a from u) $$, 'B cannot read A''s diaries');
select is_empty($$ select 1 from diary.custom_tasks where user_id = (select a from u) $$, 'B cannot read A''s custom tasks');
select is_empty($$ select 1 from diary.task_completions where user_id = (select a from u) $$, 'B cannot read A''s completions');
select is_empty($$ select 1 from diary.lottery_draws where user_id = (select a from u) $$, 'B cannot read A''s draws');
select is_empty($$ update diary.profiles set nickname = 'hacked' where user_id = (select a from u) returning 1 $$, 'B cannot change A''s profile');
select is_empty($$ update diary.diaries set content = 'hacked' where user_id = (select a from u) returning 1 $$, 'B cannot change A''s diaries');
select is_empty($$ update diary.diaries set deleted_at = now() where user_id = (select a from u) returning 1 $$, 'B cannot delete A''s diaries');
select is_empty($$ update diary.custom_tasks set points_reward = 0 where user_id = (select a from u) returning 1 $$, 'B cannot change A''s custom tasks');
select throws_ok($$ insert into diary.profiles (id, user_id, nickname) values ((select a from u), (select a from u), 'x') $$, '42501', null,
  'B cannot create a profile for A');
select throws_ok($$ insert into diary.diaries (id, user_id, entry_date) values (gen_random_uuid(), (select a from u), (select today from d)) $$, '42501', null,
  'B cannot write a diary as A');
select throws_ok($$ insert into diary.custom_tasks (id, user_id, task_date, title) values (gen_random_uuid(), (select a from u), (select today from d), 'x') $$,
  '42501', null, 'B cannot make a task for A');
select throws_ok($$ insert into diary.task_completions (id, user_id, system_task_key, task_date) values (gen_random_uuid(), (select a from u), 'homework', (select today from d)) $$,
  '42501', null, 'B cannot record a completion for A');
select throws_ok($$ insert into diary.task_completions (id, custom_task_id, task_date) values (gen_random_uuid(), '00000000-0000-4000-8000-0000000ca000', (select today from d)) $$,
  '23503', null, 'B cannot record a completion of A''s custom task as their own');
select throws_ok($$ insert into diary.diaries (id, entry_date, images) values (gen_random_uuid(), (select today from d), array[format('diary/%s/images/ok.jpg', (select a from u))]) $$,
  'P0001', 'NOT_FOUND', 'B cannot attach A''s uploaded image');

-- The owner (A) writing what belongs to the server, or moving rows away.
select tests.authenticate_as((select a from u));
select throws_ok($$ update diary.profiles set total_diaries = 100 $$, '42501', null, 'A cannot write their total_diaries');
select throws_ok($$ update diary.profiles set continuous_days = 100 $$, '42501', null, '... nor continuous_days');
select throws_ok($$ update diary.profiles set last_diary_date = current_date $$, '42501', null, '... nor last_diary_date');
select throws_ok($$ update diary.profiles set user_id = (select b from u) $$, '42501', null, 'A cannot move their profile to B');
select throws_ok($$ update diary.diaries set ai_comment = 'Great job!' $$, '42501', null, 'A cannot write the AI comment');
select throws_ok($$ update diary.diaries set ai_image_path = 'diary/x/y.png' $$, '42501', null, '... nor the AI image');
select throws_ok($$ insert into diary.diaries (id, entry_date, ai_comment) values (gen_random_uuid(), (select today - 3 from d), 'Great job!') $$, '42501', null,
  '... not even on a new diary');
select throws_ok($$ update diary.diaries set user_id = (select b from u) $$, '42501', null, 'A cannot move a diary to B');
select throws_ok($$ update diary.diaries set version = 0 $$, '42501', null, 'A cannot set a sync version');
select throws_ok($$ delete from diary.diaries $$, '42501', null, 'A deletes by tombstone only');
select throws_ok($$ update diary.custom_tasks set user_id = (select b from u) $$, '42501', null, 'A cannot move a custom task to B');
select throws_ok($$ update diary.task_completions set points_granted = 1000 $$, '42501', null, 'A cannot change points granted');
select throws_ok($$ insert into diary.task_completions (id, system_task_key, task_date, points_granted) values (gen_random_uuid(), 'exercise', (select today from d), 100) $$,
  '42501', null, 'A cannot record a completion with points');
select throws_ok($$ insert into diary.task_completions (id, system_task_key, task_date, ledger_entry_id) values (gen_random_uuid(), 'exercise', (select today from d), 1) $$,
  '42501', null, '... nor with a ledger entry');
select throws_ok($$ insert into diary.lottery_draws (user_id, cost, random_value, odds, idempotency_key) values ((select a from u), 0, 0.99, '[]', 'own') $$,
  '42501', null, 'A cannot write a draw');
select throws_ok($$ update diary.lottery_draws set prize_id = null $$, '42501', null, 'A cannot change a draw');
select throws_ok($$ delete from diary.lottery_draws $$, '42501', null, '... nor delete one');
select throws_ok($$ update diary.system_tasks set points_reward = 1000 $$, '42501', null, 'A cannot change the task catalog');
select throws_ok($$ insert into diary.prizes (name, probability) values ('{"zh-CN": "x"}', 0) $$, '42501', null, 'A cannot add prizes');
select throws_ok($$ update diary.prizes set stock = 100 $$, '42501', null, '... nor change their stock');
select is((select count(*)::int from diary.prizes), 5, 'A reads the prize catalog');
select is((select count(*)::int from diary.system_tasks where active), 8, '... and the task catalog');

-- Images: only A's own uploaded diary images.
select throws_ok($$ update diary.diaries set images = array[format('diary/%s/images/missing.jpg', (select a from u))] $$, 'P0001', 'NOT_FOUND',
  'an image that was never uploaded is refused');
select throws_ok($$ update diary.diaries set images = array[format('diary/%s/images/clip.mp4', (select a from u))] $$, 'P0001', 'UPLOAD_INVALID',
  'an upload that is not an image is refused');
select throws_ok($$ update diary.diaries set images = array[format('uploads/diary/%s/images/ok.jpg', (select a from u))] $$, 'P0001', 'NOT_FOUND',
  'a path outside the diary image folder is refused');
select throws_ok($$ update diary.diaries set images = array_fill(format('diary/%s/images/ok.jpg', (select a from u)), array[10]) $$, '23514', null,
  'more than 9 images are refused');
select throws_ok($$ insert into diary.diaries (id, entry_date) values (gen_random_uuid(), (select today - 1 from d)) $$, '23505', null,
  'a second diary for the same date is refused');
select throws_ok($$ update diary.diaries set mood = 'grumpy' $$, '23514', null, 'a mood outside the vocabulary is refused');

select * from finish();
rollback;
