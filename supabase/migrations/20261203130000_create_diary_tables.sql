-- Growth Diary's tables (issue 23): diary profiles, diaries, the system task catalog, custom tasks, task completions,
-- the prize catalog and lottery draws, in schema diary.
--
-- Why: the mini program kept everything in wx storage on one phone; these tables keep it in the cloud, owner-only
-- (nothing is ever public), syncable across devices. Each table arrives complete: RLS, policies per verb and role,
-- column grants (clients never write counters, AI output, points or draws), indexes, comments. Catalogs (system
-- tasks, prizes) are readable by signed-in users and written by admins; the rules that write points come in the
-- following migrations. Sync strategies: profiles, diaries and custom tasks are user-edited (last write wins);
-- completions and draws are written by the server (server wins).

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
    language plpgsql
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
  if tg_op = 'INSERT' and new.deleted_at is null
     and (select count(*) from diary.custom_tasks t
           where t.user_id = new.user_id and t.task_date = new.task_date and t.deleted_at is null) >= v_per_day then
    raise exception using errcode = 'P0001', message = 'BUSINESS_RULE_VIOLATION',
      detail = format('At most %s custom tasks per day.', v_per_day);
  end if;
  return new;
end
$$;

comment on function diary.check_custom_task() is 'Before a custom task is written: its points_reward is at most points_rules.custom_task_max_points, and a day holds at most points_rules.custom_tasks_per_day live custom tasks (remote config), so a user cannot mint points by making tasks.';

revoke all on function diary.check_custom_task() from public;

create function diary.check_prize_odds() returns trigger
    language plpgsql
    set search_path to ''
    as $$
declare
  v_sum numeric := (select coalesce(sum(p.probability), 0) from diary.prizes p where p.active);
begin
  if v_sum > 1 then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED',
      detail = format('The active prizes'' probabilities sum to %s; they may sum to at most 1 (the rest is "no prize").', v_sum);
  end if;
  return null;
end
$$;

comment on function diary.check_prize_odds() is 'After prizes are saved: the active prizes'' probabilities sum to at most 1, or the save is refused. To move probability from one prize to another, lower first (or change both in one statement).';

revoke all on function diary.check_prize_odds() from public;

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

alter table only diary.profiles
    add constraint profiles_pkey primary key (id);

alter table only diary.profiles
    add constraint profiles_user_id_key unique (user_id);

create index diary_profiles_deleted_at_idx on diary.profiles using btree (deleted_at) where (deleted_at is not null);

create index diary_profiles_sync_idx on diary.profiles using btree (user_id, version);

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

comment on column diary.diaries.ai_image_path is 'An AI-drawn picture for the diary (results bucket, diary/<user>/…): written by the server only.';

alter table only diary.diaries
    add constraint diaries_pkey primary key (id);

create unique index diaries_user_date_key on diary.diaries using btree (user_id, entry_date) where (deleted_at is null);

create index diary_diaries_deleted_at_idx on diary.diaries using btree (deleted_at) where (deleted_at is not null);

create index diary_diaries_sync_idx on diary.diaries using btree (user_id, version);

create trigger check_images before insert or update of images on diary.diaries for each row execute function diary.check_diary_images();

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

create trigger check_rules before insert or update of points_reward, task_date on diary.custom_tasks for each row execute function diary.check_custom_task();

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

-- Tables opted into sync with their conflict strategy (the triggers and indexes internal.enable_sync installs are
-- above, as the schema file holds them; this is the registry row it writes).
insert into internal.sync_tables (table_name, app_id, strategy) values
  ('diary.profiles', 'diary', 'last_write_wins'),
  ('diary.diaries', 'diary', 'last_write_wins'),
  ('diary.custom_tasks', 'diary', 'last_write_wins'),
  ('diary.task_completions', 'diary', 'server_wins'),
  ('diary.lottery_draws', 'diary', 'server_wins');
