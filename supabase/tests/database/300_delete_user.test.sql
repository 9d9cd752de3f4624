-- Deleting a user (auth.admin.deleteUser, account deletion, external sign-in's cleanup: all a delete from auth.users)
-- takes every app's rows with it, whatever triggers those rows carry. The cascades run the tables' after-delete
-- triggers once the user is gone, so a trigger that writes for the user would fail the whole delete.
begin;
select plan(4);

select tests.create_user('gone@test.local');
create temporary table u as select tests.get_user_id('gone@test.local') as id;

-- Growth Diary: a diary of today (it earns points and keeps counters), a custom task done, a draw; an uploaded image.
insert into storage.objects (bucket_id, name, owner, owner_id, version, metadata)
  select 'uploads', 'diary/' || id || '/images/1.jpg', id, id::text, '1', '{"mimetype": "image/jpeg", "size": 100}'
    from u;
insert into diary.diaries (id, user_id, entry_date, content, images)
  select gen_random_uuid(), id, diary.local_date(diary.user_timezone(id)), 'today', array['diary/' || id || '/images/1.jpg']
    from u;
insert into diary.diaries (id, user_id, entry_date, content)
  select gen_random_uuid(), id, diary.local_date(diary.user_timezone(id)) - 1, 'yesterday' from u;
insert into diary.custom_tasks (id, user_id, task_date, title, points_reward)
  select '30000000-0000-4000-8000-000000000001', id, diary.local_date(diary.user_timezone(id)), 'practise', 1 from u;
select diary.complete_task(id, '30000000-0000-4000-8000-000000000001', diary.local_date(diary.user_timezone(id))) from u;
select public.wallet_post('diary', id, 'points', 100, 'reward', 'test points', 'test-points') from u;
select diary.draw(id, 'gone-draw') from u;

-- Quit Journey: a profile, a check-in and a smoking record (each evaluates achievements, which grant some).
insert into quit.profiles (id, user_id, quit_at, cigarettes_per_day, price_per_cigarette)
  select quit.row_id(id, 'profile'), id, now() - interval '40 days', 20, 1.50 from u;
insert into quit.checkins (id, user_id, checkin_date) select gen_random_uuid(), id, current_date - 1 from u;
insert into quit.smoking_records (id, user_id, smoked_at, cigarettes_smoked) select gen_random_uuid(), id, now(), 1 from u;

-- Daily Coach: records of two days (each links and rescores its day log) and goals (they rescore the days).
insert into coach.workouts (id, user_id, log_date, workout_type, duration_minutes)
  select gen_random_uuid(), id, current_date - 1, 'run', 30 from u;
insert into coach.meals (id, user_id, log_date, meal_type, description)
  select gen_random_uuid(), id, current_date - 1, 'lunch', 'soup' from u;
insert into coach.sleeps (id, user_id, log_date, bed_time, wake_time)
  select gen_random_uuid(), id, current_date, now() - interval '8 hours', now() from u;
insert into coach.readings (id, user_id, log_date, book, minutes) select gen_random_uuid(), id, current_date, 'b', 20 from u;
insert into coach.work_notes (id, user_id, log_date, focus_minutes) select gen_random_uuid(), id, current_date, 60 from u;
insert into coach.targets (id, user_id, dimension, daily_goal, weekly_goal) select coach.row_id(id, 'target/workout'), id, 'workout', 30, 150 from u;

-- PicKitchen: points, a detection and an emoji task.
select public.wallet_post('pickitchen', id, 'points', 50, 'reward', 'test points', 'test-points') from u;
insert into pickitchen.emoji_detections (user_id, image_path, passed, provider)
  select id, 'pickitchen/' || id || '/photos/1.jpg', true, 'offline' from u;
insert into pickitchen.emoji_tasks (user_id, image_path, driven_id, style_name, points_cost, deadline_at)
  select id, 'pickitchen/' || id || '/photos/1.jpg', 'd1', 'cute', 10, now() + interval '1 hour' from u;

select isnt((select count(*)::int from quit.user_achievements where user_id = (select id from u)), 0,
  'the user has rows in every app (achievements were granted)');
select isnt((select count(*)::int from internal.sync_clocks where user_id = (select id from u)), 0, '... and a sync clock');

select lives_ok($$ delete from auth.users where id = (select id from u) $$,
  'a user with rows in every app can be deleted');

-- Every table that refers to auth.users, whichever schema: none keeps a row of the user.
create function pg_temp.tables_keeping(p_user uuid) returns text[] language plpgsql as $$
declare
  v_ref record;
  v_kept text[] := '{}';
  v_n integer;
begin
  for v_ref in
    select c.conrelid::regclass as tbl, a.attname as col
      from pg_constraint c join pg_attribute a on a.attrelid = c.conrelid and a.attnum = c.conkey[1]
     where c.contype = 'f' and c.confrelid = 'auth.users'::regclass
  loop
    execute format('select count(*) from %s where %I = $1', v_ref.tbl, v_ref.col) into v_n using p_user;
    if v_n > 0 then
      v_kept := v_kept || v_ref.tbl::text;
    end if;
  end loop;
  select count(*) into v_n from public.wallet_entries e where e.user_id = p_user;
  if v_n > 0 then
    v_kept := v_kept || 'public.wallet_entries'::text;
  end if;
  return v_kept;
end
$$;
select is(pg_temp.tables_keeping((select id from u)), '{}'::text[], '... and no table keeps a row of theirs');

select * from finish();
rollback;
