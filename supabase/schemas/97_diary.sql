-- Growth Diary (成长日记): diary profiles, diaries, the daily task catalog and a user's own tasks, task completions,
-- the prize catalog and lottery draws. Points live in the platform ledger (app 'diary', currency 'points').
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create function diary.are_own_image_paths(p_user_id uuid, p_paths text[]) returns boolean
    language sql immutable
    set search_path to ''
    as $$
  select cardinality(p_paths) <= 9
     and coalesce(bool_and(starts_with(p, 'diary/' || p_user_id::text || '/images/') and p !~ '(^|/)\.{0,2}(/|$)'
                           and char_length(p) <= 300), true)
    from unnest(p_paths) p
$$;

comment on function diary.are_own_image_paths(p_user_id uuid, p_paths text[]) is 'At most 9 paths, each in the user''s own diary_image folder of the uploads bucket (diary/<user>/images/<file>), no empty or dot segment. Whether each file was really uploaded is checked by diary.check_diary_images().';

grant all on function diary.are_own_image_paths(p_user_id uuid, p_paths text[]) to authenticated;
grant all on function diary.are_own_image_paths(p_user_id uuid, p_paths text[]) to service_role;

create function diary.are_valid_tags(p_tags text[]) returns boolean
    language sql immutable
    set search_path to ''
    as $$
  select cardinality(p_tags) <= 10 and coalesce(bool_and(char_length(t) between 1 and 20), true) from unnest(p_tags) t
$$;

comment on function diary.are_valid_tags(p_tags text[]) is 'At most 10 tags of 1 to 20 characters each.';

grant all on function diary.are_valid_tags(p_tags text[]) to authenticated;
grant all on function diary.are_valid_tags(p_tags text[]) to service_role;

create function diary.setting(p_key text, p_path text[]) returns jsonb
    language sql stable
    set search_path to ''
    as $$
  select c.value #> p_path from public.app_config c where c.app_id = 'diary' and c.key = p_key
$$;

comment on function diary.setting(p_key text, p_path text[]) is 'A value of the app''s remote config (public.app_config, app diary): the document p_key at p_path; null when absent. The rules read their amounts here, so an admin''s edit applies to the next write.';

grant all on function diary.setting(p_key text, p_path text[]) to authenticated;
grant all on function diary.setting(p_key text, p_path text[]) to service_role;

create function diary.check_diary_images() returns trigger
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_path text;
begin
  -- Only paths this write adds: a file removed from storage later does not block editing the rest of the diary.
  for v_path in select p from unnest(new.images) p
                 where tg_op = 'INSERT' or not (p = any (old.images)) loop
    -- The diary_image purpose (functions/_files/upload-purposes.ts): uploads bucket, images up to 10 MB.
    perform internal.check_upload('diary_image', 'uploads', v_path, 'diary/' || new.user_id::text || '/images/',
                                  10 * 1024 * 1024, array['image/jpeg', 'image/png', 'image/webp', 'image/heic']);
  end loop;
  return new;
end
$$;

comment on function diary.check_diary_images() is 'Before a diary''s images are written: every added path must be an uploaded diary_image file of the owner (P0001 NOT_FOUND, or UPLOAD_INVALID for a wrong size or type). Security definer: it reads storage.objects whoever writes; diary.are_own_image_paths() already holds each path to the owner''s folder.';

revoke all on function diary.check_diary_images() from public;

create function diary.check_custom_task() returns trigger
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_cap integer := coalesce((diary.setting('points_rules', '{custom_task_max_points}'))::integer, 0);
  v_per_day integer := coalesce((diary.setting('points_rules', '{custom_tasks_per_day}'))::integer, 0);
begin
  if new.points_reward > v_cap then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED',
      detail = format('A custom task rewards at most %s points.', v_cap);
  end if;
  -- A task that becomes live on a date (made, restored from its tombstone, or moved there) needs room on that date,
  -- when that date can still earn: a task before the user's yesterday can never be completed (diary.complete_task),
  -- so the history a phone brings (the wx-storage import) is kept whole.
  if new.deleted_at is null
     and (tg_op = 'INSERT' or old.deleted_at is not null or old.task_date is distinct from new.task_date)
     and new.task_date >= diary.local_date(diary.user_timezone(new.user_id)) - 1 then
    -- One writer per user and date at a time, so two writers cannot both count the last free place; the count below is
    -- a statement of its own and so sees what a writer that held the lock before us committed.
    perform pg_catalog.pg_advisory_xact_lock(
      pg_catalog.hashtextextended(format('diary-custom-tasks:%s:%s', new.user_id, new.task_date), 0));
    if (select count(*) from diary.custom_tasks t
         where t.user_id = new.user_id and t.task_date = new.task_date and t.deleted_at is null and t.id <> new.id)
       >= v_per_day then
      raise exception using errcode = 'P0001', message = 'BUSINESS_RULE_VIOLATION',
        detail = format('At most %s custom tasks per day.', v_per_day);
    end if;
  end if;
  return new;
end
$$;

comment on function diary.check_custom_task() is 'Before a custom task is written: its points_reward is at most points_rules.custom_task_max_points, and a day from the user''s yesterday on holds at most points_rules.custom_tasks_per_day live custom tasks (remote config), so a user cannot mint points by making tasks (an earlier day''s tasks can never be completed, so imported history is not capped). A task made, restored or moved to such a date takes a transaction lock on the user and date first, so concurrent writers cannot overfill it. Security definer: it asks diary.user_timezone(), which clients cannot call.';

revoke all on function diary.check_custom_task() from public;

create function diary.check_prize_odds() returns trigger
    language plpgsql
    set search_path to ''
    as $$
declare
  v_sum numeric;
begin
  -- One catalog edit at a time: without the lock two admins' transactions each sum their own change with the other's
  -- old value. The sum is a statement of its own after the lock, so it sees what the edit before us committed.
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended('diary-prize-odds', 0));
  v_sum := (select coalesce(sum(p.probability), 0) from diary.prizes p where p.active);
  if v_sum > 1 then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED',
      detail = format('The active prizes'' probabilities sum to %s; they may sum to at most 1 (the rest is "no prize").', v_sum);
  end if;
  return null;
end
$$;

comment on function diary.check_prize_odds() is 'After prizes are saved: the active prizes'' probabilities sum to at most 1, or the save is refused. Edits are summed one at a time (a transaction advisory lock), so two admins saving at once cannot together pass 1: the second waits for the first and sums what it committed. To move probability from one prize to another, lower first (or change both in one statement).';

revoke all on function diary.check_prize_odds() from public;

create function diary.local_date(p_timezone text, p_at timestamp with time zone default now()) returns date
    language sql stable
    set search_path to ''
    as $$
  select (p_at at time zone p_timezone)::date
$$;

comment on function diary.local_date(p_timezone text, p_at timestamp with time zone) is 'The local date in a timezone at an instant (default now): what "today" is for a user.';

grant all on function diary.local_date(p_timezone text, p_at timestamp with time zone) to authenticated;
grant all on function diary.local_date(p_timezone text, p_at timestamp with time zone) to service_role;

create function diary.user_timezone(p_user_id uuid) returns text
    language sql stable security definer
    set search_path to ''
    as $$
  select coalesce((select p.timezone from diary.profiles p where p.user_id = p_user_id),
                  (select p.timezone from public.profiles p where p.id = p_user_id and internal.is_valid_timezone(p.timezone)),
                  'Asia/Shanghai')
$$;

comment on function diary.user_timezone(p_user_id uuid) is 'The timezone of a user''s local dates: their diary profile''s, else their account profile''s, else Asia/Shanghai. Security definer: the rules ask it for any user, whoever writes; so only the rules and the service role call it (a client asks diary.caller_today()).';

revoke all on function diary.user_timezone(p_user_id uuid) from public;
grant all on function diary.user_timezone(p_user_id uuid) to service_role;

create function diary.caller_today() returns date
    language sql stable security definer
    set search_path to ''
    as $$
  select diary.local_date(diary.user_timezone((select auth.uid())))
$$;

comment on function diary.caller_today() is 'Today where the caller is (diary.user_timezone of auth.uid()): what a client may ask of its own timezone. Security definer: diary.user_timezone() answers for any user, so clients cannot call it.';

revoke all on function diary.caller_today() from public;
grant all on function diary.caller_today() to authenticated;
grant all on function diary.caller_today() to service_role;

create function diary.diaries_changed() returns trigger
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  if tg_op = 'DELETE' then
    perform diary.recompute_profile(old.user_id);
    return null;
  end if;
  if tg_op = 'UPDATE' and (new.entry_date, new.is_draft, new.deleted_at) is not distinct from (old.entry_date, old.is_draft, old.deleted_at) then
    return null;
  end if;
  perform diary.grant_diary_rewards(diary.recompute_profile(new.user_id), new);
  return null;
end
$$;

comment on function diary.diaries_changed() is 'After a diary is added, deleted, tombstoned or revived, or its date or draft flag changes: recomputes its owner''s counters, then applies the earning rules (diary.grant_diary_rewards).';

revoke all on function diary.diaries_changed() from public;

create function diary.check_diary_date() returns trigger
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  if new.entry_date > diary.local_date(diary.user_timezone(new.user_id)) then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED',
      detail = format('%s is in the future where you are: a diary is for today or an earlier day.', new.entry_date);
  end if;
  return new;
end
$$;

comment on function diary.check_diary_date() is 'Before a diary''s date is written: no diary for a date after the owner''s today (their timezone). Security definer: it asks diary.user_timezone(), which clients cannot call.';

revoke all on function diary.check_diary_date() from public;

create function diary.stamp_on_time() returns trigger
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  if tg_op = 'UPDATE' and new.entry_date = old.entry_date then
    new.on_time := old.on_time;
  else
    -- An import (diary.importing, set for its transaction by the wx-storage importer) is never on time: what the phone
    -- earned for it is in the opening balance.
    new.on_time := new.entry_date = diary.local_date(diary.user_timezone(new.user_id))
                   and coalesce(current_setting('diary.importing', true), '') <> 'on';
  end if;
  return new;
end
$$;

comment on function diary.stamp_on_time() is 'Before a diary is written or its date changes: sets on_time, whether it is written on its own day (its date is the owner''s today) and not imported (the transaction setting diary.importing = on). Other edits keep it, so re-saving or re-publishing a diary later changes nothing. Security definer: it asks diary.user_timezone(), which clients cannot call.';

revoke all on function diary.stamp_on_time() from public;

create function diary.profile_timezone_changed() returns trigger
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  perform diary.recompute_profile(new.user_id);
  return null;
end
$$;

comment on function diary.profile_timezone_changed() is 'After a profile''s timezone changes: its "today" moved, so the streak is recomputed.';

revoke all on function diary.profile_timezone_changed() from public;

create function diary.expire_streaks() returns integer
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_count integer;
begin
  update diary.profiles p set continuous_days = 0
   where p.continuous_days > 0 and p.last_diary_date < diary.local_date(p.timezone) - 1;
  get diagnostics v_count = row_count;
  return v_count;
end
$$;

comment on function diary.expire_streaks() is 'Sets continuous_days to 0 for users whose latest diary is older than yesterday in their timezone (a streak ends when a day passes without a diary, not only when one is written). Run hourly by pg_cron (diary-expire-streaks); returns how many profiles changed.';

revoke all on function diary.expire_streaks() from public;

-- diary.profiles ----------------------------------------------------------------------------------------------------

create table diary.profiles (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    nickname text,
    avatar_path text,
    timezone text default 'Asia/Shanghai'::text not null,
    total_diaries integer default 0 not null,
    continuous_days integer default 0 not null,
    last_diary_date date,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    earning_streak integer default 0 not null,
    earning_streak_date date,
    constraint profiles_earning_streak_check check ((earning_streak >= 0)),
    constraint profiles_avatar_path_check check ((char_length(avatar_path) <= 500)),
    constraint profiles_continuous_days_check check ((continuous_days >= 0)),
    constraint profiles_id_is_user check ((id = user_id)),
    constraint profiles_nickname_check check (((char_length(nickname) >= 1) and (char_length(nickname) <= 40))),
    constraint profiles_timezone_check check (internal.is_valid_timezone(timezone)),
    constraint profiles_total_diaries_check check ((total_diaries >= 0))
);

comment on table diary.profiles is 'One per user (id = user_id): nickname, avatar, the timezone their local dates are in, and the counters the database keeps from their diaries (total_diaries, continuous_days, last_diary_date), which clients cannot write. Syncable, last write wins.';

comment on column diary.profiles.timezone is 'IANA zone of the user''s local dates (default Asia/Shanghai): what "today" is for streaks, diaries and tasks.';

comment on column diary.profiles.continuous_days is 'The run of consecutive local dates with a non-draft diary, ending at last_diary_date when that is today or yesterday; otherwise 0.';

comment on column diary.profiles.earning_streak is 'The streak bonuses count: consecutive local days, ending at earning_streak_date, on which a diary written on its own day (diaries.on_time) went live. Counted once per day when it happens and never recomputed, so back-dated, imported, deleted or re-published diaries cannot change it. Written by diary.grant_diary_rewards() only.';

comment on column diary.profiles.earning_streak_date is 'The last local day earning_streak counted (null: never).';

alter table only diary.profiles
    add constraint profiles_pkey primary key (id);

alter table only diary.profiles
    add constraint profiles_user_id_key unique (user_id);

create index diary_profiles_deleted_at_idx on diary.profiles using btree (deleted_at) where (deleted_at is not null);

create index diary_profiles_sync_idx on diary.profiles using btree (user_id, version);

create trigger recompute_on_timezone after update of timezone on diary.profiles for each row when ((new.timezone is distinct from old.timezone)) execute function diary.profile_timezone_changed();

create trigger sync_stamp before insert or update on diary.profiles for each row execute function internal.sync_stamp();

alter table only diary.profiles
    add constraint profiles_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table diary.profiles enable row level security;

create policy "service role can read diary profiles" on diary.profiles for select to service_role using (true);

create policy "users can add own diary profile" on diary.profiles for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own diary profile" on diary.profiles for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own diary profile" on diary.profiles for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table diary.profiles to authenticated;
grant select on table diary.profiles to service_role;

grant insert(id) on table diary.profiles to authenticated;

grant insert(user_id) on table diary.profiles to authenticated;

grant insert(nickname),update(nickname) on table diary.profiles to authenticated;

grant insert(avatar_path),update(avatar_path) on table diary.profiles to authenticated;

grant insert(timezone),update(timezone) on table diary.profiles to authenticated;

grant insert(updated_at),update(updated_at) on table diary.profiles to authenticated;

create function diary.recompute_profile(p_user_id uuid, p_at timestamp with time zone default now()) returns diary.profiles
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_timezone text := diary.user_timezone(p_user_id);
  v_today date := diary.local_date(v_timezone, p_at);
  v_total integer;
  v_last date;
  v_streak integer := 0;
  v_profile diary.profiles;
begin
  -- Deleting a user cascades to their diaries after the user (and profile) are gone: nothing to keep then.
  if not internal.user_exists(p_user_id) then
    return null;
  end if;
  select count(*)::integer, max(d.entry_date) into v_total, v_last
    from diary.diaries d where d.user_id = p_user_id and d.deleted_at is null and not d.is_draft;
  if v_last >= v_today - 1 then
    -- Dates are unique among live diaries: along the run ending at the latest one, date + rank - 1 is that date;
    -- after the first gap it is earlier.
    select count(*)::integer into v_streak
      from (select d.entry_date + (row_number() over (order by d.entry_date desc))::integer - 1 as run_end
              from diary.diaries d where d.user_id = p_user_id and d.deleted_at is null and not d.is_draft) r
     where r.run_end = v_last;
  end if;
  -- Only a real change writes (and so takes a new sync version).
  insert into diary.profiles as p (id, user_id, timezone, total_diaries, continuous_days, last_diary_date)
  values (p_user_id, p_user_id, v_timezone, v_total, v_streak, v_last)
  on conflict (user_id) do update
     set total_diaries = excluded.total_diaries, continuous_days = excluded.continuous_days,
         last_diary_date = excluded.last_diary_date
   where (p.total_diaries, p.continuous_days, p.last_diary_date)
         is distinct from (excluded.total_diaries, excluded.continuous_days, excluded.last_diary_date)
  returning * into v_profile;
  if v_profile.id is null then
    select * into v_profile from diary.profiles p where p.user_id = p_user_id;
  end if;
  return v_profile;
end
$$;

comment on function diary.recompute_profile(p_user_id uuid, p_at timestamp with time zone) is 'Recomputes a user''s diary counters from their live non-draft diaries, in their timezone at p_at (default now): total_diaries; last_diary_date (the latest date); continuous_days, the run of consecutive dates ending at last_diary_date when that is today or yesterday locally, else 0. Creates the profile when missing; does nothing (null) for a user no longer in auth.users, whose deletion is cascading. Run by the diary triggers; security definer: clients cannot write the counters.';

revoke all on function diary.recompute_profile(p_user_id uuid, p_at timestamp with time zone) from public;
grant all on function diary.recompute_profile(p_user_id uuid, p_at timestamp with time zone) to service_role;

-- diary.diaries -----------------------------------------------------------------------------------------------------

create table diary.diaries (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    entry_date date not null,
    content text default ''::text not null,
    mood text,
    weather text,
    images text[] default '{}'::text[] not null,
    tags text[] default '{}'::text[] not null,
    ai_comment text,
    ai_image_path text,
    is_draft boolean default false not null,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    on_time boolean default false not null,
    constraint diaries_ai_comment_check check ((char_length(ai_comment) <= 2000)),
    constraint diaries_ai_image_path_check check (((char_length(ai_image_path) <= 300) and starts_with(ai_image_path, (('diary/'::text || (user_id)::text) || '/'::text)))),
    constraint diaries_content_check check ((char_length(content) <= 5000)),
    constraint diaries_images_check check (diary.are_own_image_paths(user_id, images)),
    constraint diaries_mood_check check ((mood = any (array['happy'::text, 'excited'::text, 'proud'::text, 'calm'::text, 'tired'::text, 'sad'::text, 'angry'::text, 'worried'::text]))),
    constraint diaries_tags_check check (diary.are_valid_tags(tags)),
    constraint diaries_weather_check check ((weather = any (array['sunny'::text, 'cloudy'::text, 'overcast'::text, 'rainy'::text, 'snowy'::text, 'windy'::text, 'foggy'::text, 'stormy'::text])))
);

comment on table diary.diaries is 'A user''s diary of a local date (one live diary per date): text, mood, weather, up to 9 uploaded images, tags, a draft flag (drafts count toward nothing), and the AI comment and image the server writes. Syncable, last write wins; deleted by tombstone (deleted_at).';

comment on column diary.diaries.mood is 'One of happy, excited, proud, calm, tired, sad, angry, worried (null: not said).';

comment on column diary.diaries.weather is 'One of sunny, cloudy, overcast, rainy, snowy, windy, foggy, stormy (null: not said).';

comment on column diary.diaries.images is 'Paths in the uploads bucket of the owner''s diary_image uploads (diary/<user>/images/<file>), at most 9; each must exist when added.';

comment on column diary.diaries.ai_comment is 'The AI''s comment on the diary: written by the server only.';

comment on column diary.diaries.on_time is 'Written on its own day: its date was the owner''s today when it was written or moved there, and not by an import. Only such a diary earns (diary.grant_diary_rewards). Set by diary.stamp_on_time(); clients cannot write it.';

comment on column diary.diaries.ai_image_path is 'An AI-drawn picture for the diary (results bucket, diary/<user>/…): written by the server only.';

alter table only diary.diaries
    add constraint diaries_pkey primary key (id);

create unique index diaries_user_date_key on diary.diaries using btree (user_id, entry_date) where (deleted_at is null);

create index diary_diaries_deleted_at_idx on diary.diaries using btree (deleted_at) where (deleted_at is not null);

create index diary_diaries_sync_idx on diary.diaries using btree (user_id, version);

create trigger check_date before insert or update of entry_date on diary.diaries for each row execute function diary.check_diary_date();

create trigger check_images before insert or update of images on diary.diaries for each row execute function diary.check_diary_images();

create trigger stamp_on_time before insert or update of entry_date on diary.diaries for each row execute function diary.stamp_on_time();

create trigger recompute_profile after insert or delete or update of entry_date, is_draft, deleted_at on diary.diaries for each row execute function diary.diaries_changed();

create trigger sync_stamp before insert or update on diary.diaries for each row execute function internal.sync_stamp();

alter table only diary.diaries
    add constraint diaries_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table diary.diaries enable row level security;

create policy "service role can read diaries" on diary.diaries for select to service_role using (true);

create policy "users can add own diaries" on diary.diaries for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own diaries" on diary.diaries for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own diaries" on diary.diaries for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table diary.diaries to authenticated;
grant select on table diary.diaries to service_role;

grant insert(id) on table diary.diaries to authenticated;

grant insert(user_id) on table diary.diaries to authenticated;

grant insert(entry_date),update(entry_date) on table diary.diaries to authenticated;

grant insert(content),update(content) on table diary.diaries to authenticated;

grant insert(mood),update(mood) on table diary.diaries to authenticated;

grant insert(weather),update(weather) on table diary.diaries to authenticated;

grant insert(images),update(images) on table diary.diaries to authenticated;

grant insert(tags),update(tags) on table diary.diaries to authenticated;

grant insert(is_draft),update(is_draft) on table diary.diaries to authenticated;

grant insert(updated_at),update(updated_at) on table diary.diaries to authenticated;

grant insert(deleted_at),update(deleted_at) on table diary.diaries to authenticated;

create function diary.grant_once(p_user_id uuid, p_amount bigint, p_kind text, p_reason text, p_key text, p_ref_type text, p_ref_id text) returns internal.wallet_posting
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_account public.wallet_accounts := internal.wallet_account_locked('diary', p_user_id, 'points');
  v_entry public.wallet_entries;
begin
  -- Under the account's lock, "was this key ever posted?" is race-free. A key already posted by this grant answers
  -- that entry, whatever its amount: a grant is once, even after an admin changed the amount in remote config.
  select * into v_entry from public.wallet_entries e where e.account_id = v_account.id and e.idempotency_key = p_key;
  if found then
    -- Another kind of entry under the key (a spend, another rule's) is not this grant: answering it would report
    -- points never given, or skip the reward for good.
    if (v_entry.kind, sign(v_entry.amount), v_entry.ref_type) is distinct from (p_kind, sign(p_amount), p_ref_type) then
      raise exception using errcode = 'P0001', message = 'IDEMPOTENCY_CONFLICT',
        detail = format('The ledger key %s holds another entry (%s of %s), not this grant.', p_key, v_entry.kind, v_entry.amount);
    end if;
    return row(v_entry, true)::internal.wallet_posting;
  end if;
  return internal.wallet_post_locked(v_account, p_amount, p_kind, p_reason, p_key, p_ref_type, p_ref_id, null);
end
$$;

comment on function diary.grant_once(p_user_id uuid, p_amount bigint, p_kind text, p_reason text, p_key text, p_ref_type text, p_ref_id text) is 'Posts a Growth Diary points entry once per ledger key, ever: the entry, and replayed = true when the key was already posted by the same grant (kind, direction and ref_type; the amount may have changed since) — then nothing changes. A key holding another entry is IDEMPOTENCY_CONFLICT. The one way the diary rules credit points. Security definer: the ledger is written only through its functions.';

revoke all on function diary.grant_once(p_user_id uuid, p_amount bigint, p_kind text, p_reason text, p_key text, p_ref_type text, p_ref_id text) from public;
grant all on function diary.grant_once(p_user_id uuid, p_amount bigint, p_kind text, p_reason text, p_key text, p_ref_type text, p_ref_id text) to service_role;

create function diary.grant_diary_rewards(p_profile diary.profiles, p_diary diary.diaries) returns void
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_today date := diary.local_date(p_profile.timezone);
  v_first integer := coalesce((diary.setting('points_rules', '{first_diary_of_day}'))::integer, 0);
  v_streak integer;
  v_bonus integer;
begin
  -- Only today's live, non-draft diary written on its own day earns: back-dated and imported diaries never do.
  if p_diary.deleted_at is not null or p_diary.is_draft or not p_diary.on_time or p_diary.entry_date <> v_today then
    return;
  end if;
  if v_first > 0 then
    perform diary.grant_once(p_diary.user_id, v_first, 'reward', 'First diary of the day',
                             format('diary_day:%s', p_diary.entry_date), 'diary', p_diary.id::text);
  end if;
  -- The earning streak counts today once (the row lock makes a concurrent rerun find it counted); running the rules
  -- again the same day (a draft flipped, a diary deleted and rewritten) counts nothing and so pays nothing.
  update diary.profiles p
     set earning_streak = case when p.earning_streak_date = v_today - 1 then p.earning_streak + 1 else 1 end,
         earning_streak_date = v_today
   where p.user_id = p_diary.user_id and p.earning_streak_date is distinct from v_today
  returning p.earning_streak into v_streak;
  if not found then
    return;
  end if;
  -- A threshold pays on the day the streak reaches it, so once per streak.
  v_bonus := (diary.setting('points_rules', array['streak_bonuses', v_streak::text]))::integer;
  if v_bonus > 0 then
    perform diary.grant_once(p_diary.user_id, v_bonus, 'reward', format('%s-day diary streak', v_streak),
                             format('diary_streak:%s:%s', v_streak, v_today), 'diary_streak', v_today::text);
  end if;
end
$$;

comment on function diary.grant_diary_rewards(p_profile diary.profiles, p_diary diary.diaries) is 'The diary earning rules, run by the diary trigger after the counters, for a live non-draft diary of the user''s today written on its day (on_time): points_rules.first_diary_of_day once per date (ledger key diary_day:<date>); the day counted once into the profile''s earning_streak; and the streak_bonuses threshold equal to the streak on the day it is reached (diary_streak:<days>:<that day>). Back-dated or imported diaries earn nothing and do not count toward the streak.';

revoke all on function diary.grant_diary_rewards(p_profile diary.profiles, p_diary diary.diaries) from public;

create function diary.complete_task(p_user_id uuid, p_task text, p_date date) returns jsonb
    language plpgsql security definer
    set search_path to ''
    as $_$
declare
  v_today date := diary.local_date(diary.user_timezone(p_user_id));
  v_custom diary.custom_tasks;
  v_system diary.system_tasks;
  v_completion diary.task_completions;
  v_posted internal.wallet_posting;
  v_replayed boolean := false;
  v_points integer;
  v_per_day integer := coalesce((diary.setting('points_rules', '{custom_tasks_per_day}'))::integer, 0);
begin
  if p_task ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    select * into v_custom from diary.custom_tasks t where t.id = p_task::uuid and t.user_id = p_user_id and t.deleted_at is null;
  else
    select * into v_system from diary.system_tasks t where t.key = p_task;
  end if;
  if v_custom.id is null and v_system.key is null then
    raise exception using errcode = 'P0001', message = 'NOT_FOUND', detail = format('There is no task %s.', p_task);
  end if;
  if v_custom.id is not null then
    -- One writer per user and date, the lock diary.check_custom_task() takes too: two completions cannot both take the
    -- day's last paid place, and a retry waiting here then finds the first one's completion below.
    perform pg_catalog.pg_advisory_xact_lock(
      pg_catalog.hashtextextended(format('diary-custom-tasks:%s:%s', p_user_id, p_date), 0));
  end if;

  select * into v_completion from diary.task_completions c
   where c.user_id = p_user_id and c.task_date = p_date
     and (c.custom_task_id = v_custom.id or c.system_task_key = v_system.key);
  if v_completion.id is null then
    if p_date is null or p_date > v_today then
      raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED',
        detail = format('%s is in the future where you are: a task is completed on its day.', coalesce(p_date::text, 'No date'));
    end if;
    if p_date < v_today - 1 then
      raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED',
        detail = format('%s is past: a task can be completed for today or yesterday.', p_date);
    end if;
    if v_custom.task_date <> p_date then
      raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED',
        detail = format('This task is for %s.', v_custom.task_date);
    end if;
    if not v_system.active then
      raise exception using errcode = 'P0001', message = 'BUSINESS_RULE_VIOLATION', detail = 'This task is no longer offered.';
    end if;
    v_points := coalesce(v_system.points_reward, v_custom.points_reward);
    if v_custom.id is not null and v_points > 0 then
      if exists (select 1 from diary.task_completions c
                  where c.user_id = p_user_id and c.custom_task_id = v_custom.id and c.points_granted > 0) then
        -- A custom task pays once ever: moved to another date and completed there, it earns nothing more.
        v_points := 0;
      elsif (select count(*) from diary.task_completions c
              where c.user_id = p_user_id and c.task_date = p_date and c.custom_task_id is not null
                and c.points_granted > 0) >= v_per_day then
        -- Deleted tasks' completions count too: deleting done tasks and making new ones does not make more to earn.
        raise exception using errcode = 'P0001', message = 'BUSINESS_RULE_VIOLATION',
          detail = format('Custom tasks earn points at most %s times a day, and %s is full: this one cannot be '
                          'completed.', v_per_day, p_date);
      end if;
    end if;
    insert into diary.task_completions (user_id, system_task_key, custom_task_id, task_date, points_granted)
    values (p_user_id, v_system.key, v_custom.id, p_date, v_points)
    on conflict do nothing
    returning * into v_completion;
    if v_completion.id is null then
      -- The same completion arrived at the same moment and committed first: its result is the answer.
      return diary.complete_task(p_user_id, p_task, p_date);
    end if;
    if v_completion.points_granted > 0 then
      -- In the same transaction as the completion: a system task once per user, task and date, a custom task once
      -- ever (the ledger key says which).
      v_posted := diary.grant_once(p_user_id, v_completion.points_granted, 'reward',
                                   format('Task done: %s', coalesce(v_system.title ->> 'zh-CN', v_custom.title)),
                                   case when v_system.key is not null
                                        then format('diary_task:%s:%s', v_system.key, p_date)
                                        else format('diary_task:%s', v_custom.id) end,
                                   'diary_task', v_completion.id::text);
      update diary.task_completions set ledger_entry_id = (v_posted.entry).id where id = v_completion.id
      returning * into v_completion;
    end if;
  else
    v_replayed := true;
  end if;
  return jsonb_build_object(
    'completion', to_jsonb(v_completion),
    'entry', (select to_jsonb(e) from public.wallet_entries e where e.id = v_completion.ledger_entry_id),
    'balance', diary.points_balance(p_user_id),
    'replayed', v_replayed);
end
$_$;

comment on function diary.complete_task(p_user_id uuid, p_task text, p_date date) is 'Completes a task for a user on a local date (p_task: a system task key, or the id of the user''s own custom task) and grants its points_reward through the ledger, in one transaction, once per user, task and date: a repeat answers the first result with replayed = true. A custom task pays once ever (ledger key diary_task:<id>; completed again after a move it earns 0), and a date''s paying custom completions, deleted tasks'' included, are at most points_rules.custom_tasks_per_day, counted under the user-and-date lock diary.check_custom_task() takes. Returns {completion, entry, balance, replayed}. P0001 NOT_FOUND: no such task (or another user''s); VALIDATION_FAILED: a date in the future or before yesterday (user''s timezone), or not the custom task''s date; BUSINESS_RULE_VIOLATION: a system task no longer active, or a paying custom task on a date whose custom completions already earned custom_tasks_per_day times (nothing is recorded). Security definer: called by the API as the service role with the caller''s id.';

revoke all on function diary.complete_task(p_user_id uuid, p_task text, p_date date) from public;
grant all on function diary.complete_task(p_user_id uuid, p_task text, p_date date) to service_role;

-- diary.system_tasks ------------------------------------------------------------------------------------------------

create table diary.system_tasks (
    key text not null,
    title jsonb not null,
    description jsonb default '{}'::jsonb not null,
    category text not null,
    points_reward integer not null,
    active boolean default true not null,
    sort integer default 0 not null,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    constraint system_tasks_category_check check ((category = any (array['daily'::text, 'study'::text, 'reading'::text, 'sport'::text, 'chores'::text, 'habit'::text, 'kindness'::text, 'creative'::text]))),
    constraint system_tasks_description_check check ((jsonb_typeof(description) = 'object'::text)),
    constraint system_tasks_key_check check ((key ~ '^[a-z][a-z0-9_]{0,39}$'::text)),
    constraint system_tasks_points_reward_check check (((points_reward >= 0) and (points_reward <= 1000))),
    constraint system_tasks_title_check check (((jsonb_typeof(title) = 'object'::text) and ((title ->> 'zh-CN'::text) is not null)))
);

comment on table diary.system_tasks is 'The daily task catalog: every active task appears for every user every day (no per-user rows in advance); completing one records a diary.task_completions row and grants points_reward. Title and description are i18n objects ({"zh-CN": …, "en": …}). Catalog data from seed/, edited by admins.';

alter table only diary.system_tasks
    add constraint system_tasks_pkey primary key (key);

create trigger system_tasks_set_updated_at before update on diary.system_tasks for each row execute function internal.set_updated_at();

alter table diary.system_tasks enable row level security;

create policy "service role can add system tasks" on diary.system_tasks for insert to service_role with check (true);

create policy "service role can change system tasks" on diary.system_tasks for update to service_role using (true) with check (true);

create policy "service role can read system tasks" on diary.system_tasks for select to service_role using (true);

create policy "service role can remove system tasks" on diary.system_tasks for delete to service_role using (true);

create policy "users can read system tasks" on diary.system_tasks for select to authenticated using (true);

grant select on table diary.system_tasks to authenticated;
grant select,insert,delete,update on table diary.system_tasks to service_role;

-- diary.custom_tasks ------------------------------------------------------------------------------------------------

create table diary.custom_tasks (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    task_date date not null,
    title text not null,
    description text,
    category text default 'daily'::text not null,
    points_reward integer default 0 not null,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint custom_tasks_category_check check ((category = any (array['daily'::text, 'study'::text, 'reading'::text, 'sport'::text, 'chores'::text, 'habit'::text, 'kindness'::text, 'creative'::text]))),
    constraint custom_tasks_description_check check ((char_length(description) <= 500)),
    constraint custom_tasks_points_reward_check check ((points_reward >= 0)),
    constraint custom_tasks_title_check check (((char_length(title) >= 1) and (char_length(title) <= 100)))
);

comment on table diary.custom_tasks is 'A task a user made for one local date: title, category, points_reward (at most points_rules.custom_task_max_points; at most points_rules.custom_tasks_per_day tasks a day). Syncable, last write wins; deleted by tombstone.';

alter table only diary.custom_tasks
    add constraint custom_tasks_pkey primary key (id);

alter table only diary.custom_tasks
    add constraint custom_tasks_id_user_id_key unique (id, user_id);

create index custom_tasks_day_idx on diary.custom_tasks using btree (user_id, task_date);

create index diary_custom_tasks_deleted_at_idx on diary.custom_tasks using btree (deleted_at) where (deleted_at is not null);

create index diary_custom_tasks_sync_idx on diary.custom_tasks using btree (user_id, version);

create trigger check_rules before insert or update of points_reward, task_date, deleted_at on diary.custom_tasks for each row execute function diary.check_custom_task();

create trigger sync_stamp before insert or update on diary.custom_tasks for each row execute function internal.sync_stamp();

alter table only diary.custom_tasks
    add constraint custom_tasks_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table diary.custom_tasks enable row level security;

create policy "service role can read custom tasks" on diary.custom_tasks for select to service_role using (true);

create policy "users can add own custom tasks" on diary.custom_tasks for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own custom tasks" on diary.custom_tasks for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own custom tasks" on diary.custom_tasks for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table diary.custom_tasks to authenticated;
grant select on table diary.custom_tasks to service_role;

grant insert(id) on table diary.custom_tasks to authenticated;

grant insert(user_id) on table diary.custom_tasks to authenticated;

grant insert(task_date),update(task_date) on table diary.custom_tasks to authenticated;

grant insert(title),update(title) on table diary.custom_tasks to authenticated;

grant insert(description),update(description) on table diary.custom_tasks to authenticated;

grant insert(category),update(category) on table diary.custom_tasks to authenticated;

grant insert(points_reward),update(points_reward) on table diary.custom_tasks to authenticated;

grant insert(updated_at),update(updated_at) on table diary.custom_tasks to authenticated;

grant insert(deleted_at),update(deleted_at) on table diary.custom_tasks to authenticated;

-- diary.task_completions --------------------------------------------------------------------------------------------

create table diary.task_completions (
    id uuid default gen_random_uuid() not null,
    user_id uuid default auth.uid() not null,
    system_task_key text,
    custom_task_id uuid,
    task_date date not null,
    completed_at timestamp with time zone default now() not null,
    points_granted integer default 0 not null,
    ledger_entry_id bigint,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint task_completions_one_task check ((num_nonnulls(system_task_key, custom_task_id) = 1)),
    constraint task_completions_points_granted_check check ((points_granted >= 0))
);

comment on table diary.task_completions is 'A task done by a user on a local date (a system task by key, or their own custom task), once per user, task and date, with the points it granted and their ledger entry. Written by diary.complete_task(); a client may only record a completion without points (the import of tasks done before the cloud, whose points are in the opening balance). Syncable, server wins.';

comment on column diary.task_completions.points_granted is 'Points this completion granted through the ledger (0 for an imported completion): written by the server only.';

alter table only diary.task_completions
    add constraint task_completions_pkey primary key (id);

create unique index task_completions_custom_key on diary.task_completions using btree (user_id, custom_task_id, task_date) where (custom_task_id is not null);

create unique index task_completions_system_key on diary.task_completions using btree (user_id, system_task_key, task_date) where (system_task_key is not null);

create index task_completions_custom_task_id_idx on diary.task_completions using btree (custom_task_id, user_id) where (custom_task_id is not null);

create index task_completions_day_idx on diary.task_completions using btree (user_id, task_date);

create index task_completions_ledger_entry_id_idx on diary.task_completions using btree (ledger_entry_id) where (ledger_entry_id is not null);

create index task_completions_system_task_key_idx on diary.task_completions using btree (system_task_key) where (system_task_key is not null);

create index diary_task_completions_deleted_at_idx on diary.task_completions using btree (deleted_at) where (deleted_at is not null);

create index diary_task_completions_sync_idx on diary.task_completions using btree (user_id, version);

create trigger sync_stamp before insert or update on diary.task_completions for each row execute function internal.sync_stamp();

alter table only diary.task_completions
    add constraint task_completions_custom_task_fkey foreign key (custom_task_id, user_id) references diary.custom_tasks(id, user_id) on delete cascade;

alter table only diary.task_completions
    add constraint task_completions_ledger_entry_id_fkey foreign key (ledger_entry_id) references public.wallet_entries(id);

alter table only diary.task_completions
    add constraint task_completions_system_task_key_fkey foreign key (system_task_key) references diary.system_tasks(key);

alter table only diary.task_completions
    add constraint task_completions_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table diary.task_completions enable row level security;

create policy "service role can read task completions" on diary.task_completions for select to service_role using (true);

create policy "users can add own task completions" on diary.task_completions for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own task completions" on diary.task_completions for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table diary.task_completions to authenticated;
grant select on table diary.task_completions to service_role;

grant insert(id) on table diary.task_completions to authenticated;

grant insert(user_id) on table diary.task_completions to authenticated;

grant insert(system_task_key) on table diary.task_completions to authenticated;

grant insert(custom_task_id) on table diary.task_completions to authenticated;

grant insert(task_date) on table diary.task_completions to authenticated;

grant insert(completed_at) on table diary.task_completions to authenticated;

grant insert(updated_at) on table diary.task_completions to authenticated;

-- diary.prizes ------------------------------------------------------------------------------------------------------

create table diary.prizes (
    id uuid default gen_random_uuid() not null,
    name jsonb not null,
    description jsonb default '{}'::jsonb not null,
    image_url text,
    probability numeric(5,4) not null,
    stock integer default '-1'::integer not null,
    active boolean default true not null,
    sort integer default 0 not null,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    constraint prizes_description_check check ((jsonb_typeof(description) = 'object'::text)),
    constraint prizes_image_url_check check ((char_length(image_url) <= 500)),
    constraint prizes_name_check check (((jsonb_typeof(name) = 'object'::text) and ((name ->> 'zh-CN'::text) is not null))),
    constraint prizes_probability_check check (((probability >= (0)::numeric) and (probability <= (1)::numeric))),
    constraint prizes_stock_check check ((stock >= '-1'::integer))
);

comment on table diary.prizes is 'The lottery''s prize catalog: i18n name and description, image, the probability of winning it in one draw (the active prizes'' sum is at most 1; the rest is "no prize"), stock (-1 unlimited; a prize at 0 is never won: its chance falls through to "no prize"), active flag and display order (sort, then id: also the order a draw checks them in). Edited by admins; stock is taken by diary.draw().';

alter table only diary.prizes
    add constraint prizes_pkey primary key (id);

create trigger check_odds after insert or update of probability, active on diary.prizes for each statement execute function diary.check_prize_odds();

create trigger prizes_set_updated_at before update on diary.prizes for each row execute function internal.set_updated_at();

alter table diary.prizes enable row level security;

create policy "service role can add prizes" on diary.prizes for insert to service_role with check (true);

create policy "service role can change prizes" on diary.prizes for update to service_role using (true) with check (true);

create policy "service role can read prizes" on diary.prizes for select to service_role using (true);

create policy "service role can remove prizes" on diary.prizes for delete to service_role using (true);

create policy "users can read prizes" on diary.prizes for select to authenticated using (true);

grant select on table diary.prizes to authenticated;
grant select,insert,delete,update on table diary.prizes to service_role;

-- diary.lottery_draws -----------------------------------------------------------------------------------------------

create table diary.lottery_draws (
    id uuid default gen_random_uuid() not null,
    user_id uuid not null,
    cost integer not null,
    prize_id uuid,
    random_value numeric(18,17) not null,
    odds jsonb not null,
    idempotency_key text not null,
    ledger_entry_id bigint,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint lottery_draws_cost_check check ((cost >= 0)),
    constraint lottery_draws_idempotency_key_check check (((char_length(idempotency_key) >= 1) and (char_length(idempotency_key) <= 200))),
    constraint lottery_draws_odds_check check ((jsonb_typeof(odds) = 'array'::text)),
    constraint lottery_draws_random_value_check check (((random_value >= (0)::numeric) and (random_value < (1)::numeric)))
);

comment on table diary.lottery_draws is 'One lottery draw: what it cost (its ledger entry), the prize won (null: no prize), the secure random value it was decided by and the odds it was held against, so any draw can be audited. Written only by diary.draw(); once per user and idempotency key. Syncable, server wins.';

comment on column diary.lottery_draws.random_value is 'The draw''s random number in [0, 1): 56 bits from pgcrypto''s gen_random_bytes, divided by 2^56 and cut to 17 decimals. The prize is the first entry of odds whose running sum of probabilities exceeds it.';

comment on column diary.lottery_draws.odds is 'The active prizes at the moment of the draw, in the order checked: [{prize_id, probability, stock}].';

alter table only diary.lottery_draws
    add constraint lottery_draws_pkey primary key (id);

alter table only diary.lottery_draws
    add constraint lottery_draws_idempotency_key unique (user_id, idempotency_key);

create index lottery_draws_history_idx on diary.lottery_draws using btree (user_id, created_at desc, id desc);

create index lottery_draws_ledger_entry_id_idx on diary.lottery_draws using btree (ledger_entry_id) where (ledger_entry_id is not null);

create index lottery_draws_prize_id_idx on diary.lottery_draws using btree (prize_id) where (prize_id is not null);

create index diary_lottery_draws_deleted_at_idx on diary.lottery_draws using btree (deleted_at) where (deleted_at is not null);

create index diary_lottery_draws_sync_idx on diary.lottery_draws using btree (user_id, version);

create trigger sync_stamp before insert or update on diary.lottery_draws for each row execute function internal.sync_stamp();

alter table only diary.lottery_draws
    add constraint lottery_draws_ledger_entry_id_fkey foreign key (ledger_entry_id) references public.wallet_entries(id);

alter table only diary.lottery_draws
    add constraint lottery_draws_prize_id_fkey foreign key (prize_id) references diary.prizes(id);

alter table only diary.lottery_draws
    add constraint lottery_draws_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table diary.lottery_draws enable row level security;

create policy "service role can read lottery draws" on diary.lottery_draws for select to service_role using (true);

create policy "users can read own lottery draws" on diary.lottery_draws for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table diary.lottery_draws to authenticated;
grant select on table diary.lottery_draws to service_role;

create function diary.points_balance(p_user_id uuid) returns bigint
    language sql stable security definer
    set search_path to ''
    as $$
  select coalesce((select a.balance from public.wallet_accounts a
                    where a.app_id = 'diary' and a.user_id = p_user_id and a.currency = 'points'), 0)
$$;

comment on function diary.points_balance(p_user_id uuid) is 'A user''s Growth Diary points balance (0 before their first entry), as the rules answer it. Security definer: called by the rules for the user they act for.';

revoke all on function diary.points_balance(p_user_id uuid) from public;
grant all on function diary.points_balance(p_user_id uuid) to service_role;

create function diary.draw_result(p_draw diary.lottery_draws, p_replayed boolean) returns jsonb
    language sql stable security definer
    set search_path to ''
    as $$
  select jsonb_build_object('draw', to_jsonb(p_draw),
                            'prize', (select to_jsonb(p) from diary.prizes p where p.id = p_draw.prize_id),
                            'balance', diary.points_balance(p_draw.user_id),
                            'replayed', p_replayed)
$$;

comment on function diary.draw_result(p_draw diary.lottery_draws, p_replayed boolean) is 'What diary.draw() answers: {draw, prize (null: no prize), balance, replayed}.';

revoke all on function diary.draw_result(p_draw diary.lottery_draws, p_replayed boolean) from public;

create function diary.draw(p_user_id uuid, p_idempotency_key text) returns jsonb
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_id uuid := gen_random_uuid();
  v_cost integer := (diary.setting('lottery', '{draw_cost}'))::integer;
  v_draw diary.lottery_draws;
  v_spent jsonb;
  v_value numeric(18,17);
  v_odds jsonb;
  v_offer record;
  v_running numeric := 0;
  v_stock integer;
  v_prize diary.prizes;
begin
  -- 189: the ledger's keys are at most 200 characters, and the draw's charge is keyed diary_draw:<key>.
  if p_idempotency_key is null or char_length(p_idempotency_key) not between 1 and 189 then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = 'A draw needs an idempotency key of 1 to 189 characters.';
  end if;
  -- The account's lock serialises the user's draws: a retry waits for the first and then finds its draw.
  perform internal.wallet_account_locked('diary', p_user_id, 'points');
  select * into v_draw from diary.lottery_draws d where d.user_id = p_user_id and d.idempotency_key = p_idempotency_key;
  if found then
    return diary.draw_result(v_draw, true);
  end if;
  if v_cost is null or v_cost <= 0 then
    raise exception using errcode = 'P0001', message = 'SERVICE_UNAVAILABLE', detail = 'The lottery has no draw cost (remote config diary/lottery.draw_cost).';
  end if;
  -- Charged first: without the points (INSUFFICIENT_BALANCE) nothing at all is written. The client's key gets the
  -- draws' own namespace in the ledger, apart from points/deduct's (client:) and the rules' keys (diary_day:, …).
  v_spent := public.wallet_consume('diary', p_user_id, 'points', v_cost, 'Lottery draw', 'diary_draw:' || p_idempotency_key,
                                   'lottery_draw', v_id::text);
  if (v_spent ->> 'replayed')::boolean then
    raise exception using errcode = 'P0001', message = 'IDEMPOTENCY_CONFLICT',
      detail = 'This Idempotency-Key was used for another request; send a new key with a new request.';
  end if;

  -- 56 random bits from the operating system's secure generator, as a number in [0, 1).
  v_value := trunc(('x' || encode(extensions.gen_random_bytes(7), 'hex'))::bit(56)::bigint::numeric / 72057594037927936, 17);
  select coalesce(jsonb_agg(jsonb_build_object('prize_id', p.id, 'probability', p.probability, 'stock', p.stock) order by p.sort, p.id), '[]'::jsonb)
    into v_odds from diary.prizes p where p.active;
  for v_offer in select (o ->> 'prize_id')::uuid as prize_id, (o ->> 'probability')::numeric as probability
                   from jsonb_array_elements(v_odds) o loop
    v_running := v_running + v_offer.probability;
    if v_value < v_running then
      select p.stock into v_stock from diary.prizes p where p.id = v_offer.prize_id;
      if v_stock = -1 then
        -- Unlimited: nothing to take. A share lock keeps an admin's stock edit from slipping in, and draws of the
        -- same prize never wait for each other.
        select * into v_prize from diary.prizes p where p.id = v_offer.prize_id and p.active and p.stock = -1 for share;
      elsif v_stock > 0 then
        -- Limited: the update takes the row lock and checks the stock under it, so a prize is never won past 0;
        -- once it is gone its chance falls through to "no prize" (v_prize stays empty).
        update diary.prizes p set stock = p.stock - 1 where p.id = v_offer.prize_id and p.active and p.stock > 0
        returning * into v_prize;
      end if;
      exit;
    end if;
  end loop;

  insert into diary.lottery_draws (id, user_id, cost, prize_id, random_value, odds, idempotency_key, ledger_entry_id)
  values (v_id, p_user_id, v_cost, v_prize.id, v_value, v_odds, p_idempotency_key, (v_spent -> 'entry' ->> 'id')::bigint)
  returning * into v_draw;
  return diary.draw_result(v_draw, false);
end
$$;

comment on function diary.draw(p_user_id uuid, p_idempotency_key text) is 'One lottery draw, all or nothing: charges lottery.draw_cost through wallet_consume under the ledger key diary_draw:<key>, a namespace of its own (INSUFFICIENT_BALANCE: nothing is written), draws a number in [0, 1) from pgcrypto''s gen_random_bytes, walks the active prizes in (sort, id) order adding their probabilities and wins the first whose running sum exceeds it; the won prize''s row is locked and its stock taken (a prize out of stock is not won: no prize); records the draw with its random value and odds. The same key again answers the first draw (replayed); a key that already spent points on something else is IDEMPOTENCY_CONFLICT. Returns {draw, prize, balance, replayed}. Security definer: called by the API as the service role with the caller''s id.';

revoke all on function diary.draw(p_user_id uuid, p_idempotency_key text) from public;
grant all on function diary.draw(p_user_id uuid, p_idempotency_key text) to service_role;

create function diary.import_opening_balance(p_user_id uuid, p_points bigint) returns jsonb
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_cap bigint := coalesce((diary.setting('points_rules', '{opening_balance_max}'))::bigint, 0);
  v_amount bigint := least(p_points, v_cap);
  v_posted internal.wallet_posting;
begin
  if p_points is null or p_points < 0 then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = 'An opening balance is 0 or more points.';
  end if;
  if v_amount > 0 then
    v_posted := diary.grant_once(p_user_id, v_amount, 'adjust', 'migration', 'diary:opening_balance', 'migration', null);
  else
    select e, true into v_posted from public.wallet_entries e
     where e.user_id = p_user_id and e.app_id = 'diary' and e.currency = 'points' and e.idempotency_key = 'diary:opening_balance';
  end if;
  return jsonb_build_object(
    'granted', v_amount > 0 and not v_posted.replayed,
    'points', case when v_amount > 0 and not v_posted.replayed then v_amount else 0 end,
    'capped', p_points > v_cap,
    'entry', to_jsonb(v_posted.entry),
    'balance', diary.points_balance(p_user_id));
end
$$;

comment on function diary.import_opening_balance(p_user_id uuid, p_points bigint) is 'Turns the points balance a user had in the mini program''s local storage into one ledger entry (kind adjust, reason migration, key diary:opening_balance), at most once per user ever, whatever the concurrency or replays: a later call grants nothing (granted false) and answers the entry there is. Capped at points_rules.opening_balance_max (capped true). Returns {granted, points, capped, entry, balance}. Security definer: called by the importer as the service role with the caller''s id.';

revoke all on function diary.import_opening_balance(p_user_id uuid, p_points bigint) from public;
grant all on function diary.import_opening_balance(p_user_id uuid, p_points bigint) to service_role;
