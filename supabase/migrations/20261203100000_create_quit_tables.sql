-- Quit Journey (issue 22): the tables of schema quit, written from supabase/schemas/96_quit.sql as it stood then.
--
-- The quit profile and settings (one per user), daily check-ins (one live row per user and local date), smoking
-- records (GIN-indexed trigger tags), the achievement catalog with its rule language check, users' achievements
-- (written only by the server) and notifications. Owner-only RLS, column grants for what a client may write, and
-- every user table opted into sync with a conflict strategy chosen per table (reasons at the top of 96_quit.sql).

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create function quit.row_id(p_user_id uuid, p_key text) returns uuid
    language sql immutable
    set search_path to ''
    as $$ select extensions.uuid_generate_v5('5d1c2f7e-3b8a-4c61-9e0d-7a4f2b6c8e13'::uuid, p_user_id::text || '/' || p_key) $$;

comment on function quit.row_id(p_user_id uuid, p_key text) is 'The id of a once-per-user quit row: the profile (key ''profile''), the settings (''settings''), a user achievement (''achievement/<key>''). uuid v5 of "<user>/<key>" in the quit namespace 5d1c2f7e-3b8a-4c61-9e0d-7a4f2b6c8e13: clients compute the same id offline.';

grant all on function quit.row_id(p_user_id uuid, p_key text) to authenticated;
grant all on function quit.row_id(p_user_id uuid, p_key text) to service_role;

create function quit.trigger_tag_vocabulary() returns text[]
    language sql immutable
    set search_path to ''
    as $$ select array['stress', 'anxiety', 'boredom', 'after_meal', 'coffee', 'alcohol', 'social', 'work_break', 'waking_up', 'driving', 'craving', 'habit'] $$;

comment on function quit.trigger_tag_vocabulary() is 'The documented smoking trigger tags (the app translates them): stress, anxiety, boredom, after_meal, coffee, alcohol, social, work_break, waking_up, driving, craving, habit. Other (free) tags are allowed within quit.valid_trigger_tags''s limits.';

grant all on function quit.trigger_tag_vocabulary() to authenticated;
grant all on function quit.trigger_tag_vocabulary() to service_role;

create function quit.valid_trigger_tags(p_tags text[]) returns boolean
    language sql immutable
    set search_path to ''
    as $$
  select cardinality(p_tags) <= 10
     and not exists (select from unnest(p_tags) t where t is null or char_length(t) not between 1 and 32 or t <> btrim(t))
     and (select count(distinct t) = count(*) from unnest(p_tags) t)
     and (select count(*) from unnest(p_tags) t where t <> all (quit.trigger_tag_vocabulary())) <= 3
$$;

comment on function quit.valid_trigger_tags(p_tags text[]) is 'Trigger tags a smoking record may carry: at most 10, no duplicates, each 1–32 characters without surrounding spaces, at most 3 of them outside quit.trigger_tag_vocabulary() (free tags).';

grant all on function quit.valid_trigger_tags(p_tags text[]) to authenticated;
grant all on function quit.valid_trigger_tags(p_tags text[]) to service_role;

create function quit.valid_i18n(p_text jsonb) returns boolean
    language sql immutable
    set search_path to ''
    as $$
  select jsonb_typeof(p_text) = 'object'
     and p_text ?& array['zh-CN', 'en']
     and not exists (select from jsonb_each(p_text) e
                      where jsonb_typeof(e.value) <> 'string' or char_length(e.value #>> '{}') not between 1 and 500)
$$;

comment on function quit.valid_i18n(p_text jsonb) is 'An i18n text: a JSON object of locale → non-empty string (at most 500 characters), with zh-CN and en at least.';

grant all on function quit.valid_i18n(p_text jsonb) to authenticated;
grant all on function quit.valid_i18n(p_text jsonb) to service_role;

create function quit.valid_rule(p_rule jsonb) returns boolean
    language plpgsql immutable
    set search_path to ''
    as $_$
declare
  v_key text;
  v_arg jsonb;
begin
  if jsonb_typeof(p_rule) is distinct from 'object' or (select count(*) from jsonb_object_keys(p_rule)) <> 1 then
    return false;
  end if;
  select k into v_key from jsonb_object_keys(p_rule) k;
  v_arg := p_rule -> v_key;
  if v_key in ('all', 'any') then
    return jsonb_typeof(v_arg) = 'array' and jsonb_array_length(v_arg) between 1 and 20
       and not exists (select from jsonb_array_elements(v_arg) e where not quit.valid_rule(e));
  end if;
  if v_key not in ('smoke_free_days', 'checkin_streak', 'total_checkins', 'money_saved', 'cigarettes_avoided')
     or jsonb_typeof(v_arg) is distinct from 'object' or (select array_agg(k) from jsonb_object_keys(v_arg) k) <> array['gte'] then
    return false;
  end if;
  if v_key = 'money_saved' then
    -- A decimal string, so amounts stay exact: "100", "99.50".
    return jsonb_typeof(v_arg -> 'gte') = 'string' and (v_arg ->> 'gte') ~ '^(0|[1-9][0-9]{0,7})(\.[0-9]{1,2})?$'
       and (v_arg ->> 'gte')::numeric > 0;
  end if;
  return jsonb_typeof(v_arg -> 'gte') = 'number' and (v_arg ->> 'gte') ~ '^[1-9][0-9]{0,5}$';
end
$_$;

comment on function quit.valid_rule(p_rule jsonb) is 'Whether a jsonb is a rule of the achievement rule language: a leaf {"smoke_free_days"|"checkin_streak"|"total_checkins"|"cigarettes_avoided": {"gte": N}} (N a whole number 1–999999) or {"money_saved": {"gte": "X"}} (X a positive decimal string with at most 2 places, in the profile''s currency), or a combinator {"all": [rules]} / {"any": [rules]} of 1–20 rules. quit.achievements refuses anything else.';

grant all on function quit.valid_rule(p_rule jsonb) to authenticated;
grant all on function quit.valid_rule(p_rule jsonb) to service_role;

-- quit.achievements -------------------------------------------------------------------------------------------------

create table quit.achievements (
    key text not null,
    name jsonb not null,
    description jsonb not null,
    icon text not null,
    category text not null,
    points integer default 0 not null,
    rule jsonb not null,
    active boolean default true not null,
    sort integer default 0 not null,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    constraint achievements_category_check check ((category = any (array['smoke_free'::text, 'money'::text, 'checkin'::text, 'cigarettes'::text, 'special'::text]))),
    constraint achievements_description_check check (quit.valid_i18n(description)),
    constraint achievements_icon_check check (((char_length(icon) >= 1) and (char_length(icon) <= 64))),
    constraint achievements_key_check check ((key ~ '^[a-z0-9_]{1,64}$'::text)),
    constraint achievements_name_check check (quit.valid_i18n(name)),
    constraint achievements_points_check check (((points >= 0) and (points <= 100000))),
    constraint achievements_rule_check check (quit.valid_rule(rule))
);

comment on table quit.achievements is 'The achievement catalog (rows from seed/05_quit_achievements.sql; admins edit it in Studio): i18n name and description ({"zh-CN","en"}), icon name, category, points granted once on unlock (currency quit/points), the unlock rule (quit.valid_rule), active flag and display order. Readable by every signed-in user; no client writes it.';

comment on column quit.achievements.rule is 'The unlock condition in the rule language (see quit.valid_rule), evaluated only by quit.evaluate_achievements() against quit.user_metrics().';

alter table only quit.achievements
    add constraint achievements_pkey primary key (key);

alter table quit.achievements enable row level security;

create policy "signed-in users can read the catalog" on quit.achievements for select to authenticated using (true);

create policy "service role can read the catalog" on quit.achievements for select to service_role using (true);

grant select on table quit.achievements to authenticated;
grant select on table quit.achievements to service_role;

-- quit.checkins -----------------------------------------------------------------------------------------------------

create table quit.checkins (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    checkin_date date not null,
    is_checked_in boolean default true not null,
    checked_in_at timestamp with time zone default now(),
    mood text,
    note text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint checkins_checkin_date_check check (((checkin_date >= '2000-01-01'::date) and (checkin_date <= '2100-01-01'::date))),
    constraint checkins_mood_check check ((mood = any (array['great'::text, 'good'::text, 'okay'::text, 'low'::text, 'anxious'::text, 'craving'::text]))),
    constraint checkins_note_check check ((char_length(note) <= 1000))
);

comment on table quit.checkins is 'Daily check-ins: one live row per user and local date (the profile''s timezone), whether the day was smoke-free as the user says, when they checked in, an optional mood and note. Deleting leaves a tombstone (deleted_at) for sync.';

comment on column quit.checkins.checkin_date is 'The local date (in the profile''s timezone) the check-in is for; unique per user among live rows.';

comment on column quit.checkins.mood is 'One of great, good, okay, low, anxious, craving (the app translates them).';

alter table only quit.checkins
    add constraint checkins_pkey primary key (id);

create unique index checkins_live_date_idx on quit.checkins using btree (user_id, checkin_date) where (deleted_at is null);

create index quit_checkins_deleted_at_idx on quit.checkins using btree (deleted_at) where (deleted_at is not null);

create index quit_checkins_sync_idx on quit.checkins using btree (user_id, version);

create trigger sync_stamp before insert or update on quit.checkins for each row execute function internal.sync_stamp();

alter table only quit.checkins
    add constraint checkins_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table quit.checkins enable row level security;

create policy "service role can read rows" on quit.checkins for select to service_role using (true);

create policy "users can add own rows" on quit.checkins for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on quit.checkins for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on quit.checkins for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table quit.checkins to authenticated;
grant select on table quit.checkins to service_role;

grant insert(id) on table quit.checkins to authenticated;

grant insert(user_id) on table quit.checkins to authenticated;

grant insert(checkin_date) on table quit.checkins to authenticated;

grant insert(is_checked_in),update(is_checked_in) on table quit.checkins to authenticated;

grant insert(checked_in_at),update(checked_in_at) on table quit.checkins to authenticated;

grant insert(mood),update(mood) on table quit.checkins to authenticated;

grant insert(note),update(note) on table quit.checkins to authenticated;

grant insert(updated_at),update(updated_at) on table quit.checkins to authenticated;

grant insert(deleted_at),update(deleted_at) on table quit.checkins to authenticated;

-- quit.notifications ------------------------------------------------------------------------------------------------

create table quit.notifications (
    id uuid default gen_random_uuid() not null,
    user_id uuid not null,
    kind text not null,
    title text not null,
    body text,
    data jsonb default '{}'::jsonb not null,
    created_at timestamp with time zone default now() not null,
    read_at timestamp with time zone,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint notifications_body_check check ((char_length(body) <= 2000)),
    constraint notifications_data_check check (((jsonb_typeof(data) = 'object'::text) and (pg_column_size(data) <= 4096))),
    constraint notifications_kind_check check ((kind = any (array['reminder'::text, 'achievement'::text, 'milestone'::text, 'encouragement'::text, 'system'::text, 'test'::text]))),
    constraint notifications_title_check check (((char_length(title) >= 1) and (char_length(title) <= 200)))
);

comment on table quit.notifications is 'A user''s notification list, written by the server (achievement unlocks, reminders, tests): kind (reminder, achievement, milestone, encouragement, system, test), title, body, data for the app; users mark them read (read_at) or delete them (tombstone).';

alter table only quit.notifications
    add constraint notifications_pkey primary key (id);

create index notifications_user_created_idx on quit.notifications using btree (user_id, created_at desc);

create index quit_notifications_deleted_at_idx on quit.notifications using btree (deleted_at) where (deleted_at is not null);

create index quit_notifications_sync_idx on quit.notifications using btree (user_id, version);

create trigger sync_stamp before insert or update on quit.notifications for each row execute function internal.sync_stamp();

alter table only quit.notifications
    add constraint notifications_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table quit.notifications enable row level security;

create policy "service role can add notifications" on quit.notifications for insert to service_role with check (true);

create policy "service role can read rows" on quit.notifications for select to service_role using (true);

create policy "users can change own rows" on quit.notifications for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on quit.notifications for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table quit.notifications to authenticated;
grant select,insert on table quit.notifications to service_role;

grant update(read_at) on table quit.notifications to authenticated;

grant update(updated_at) on table quit.notifications to authenticated;

grant update(deleted_at) on table quit.notifications to authenticated;

-- quit.profiles -----------------------------------------------------------------------------------------------------

create table quit.profiles (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    quit_at timestamp with time zone not null,
    quit_reason text,
    cigarettes_per_day integer not null,
    price_per_cigarette numeric(10,2) default 0 not null,
    currency character(3) default 'CNY'::bpchar not null,
    timezone text default 'Asia/Shanghai'::text not null,
    locale text default 'zh-CN'::text not null,
    display_name text,
    avatar_path text,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint profiles_avatar_path_check check ((char_length(avatar_path) <= 500)),
    constraint profiles_cigarettes_per_day_check check (((cigarettes_per_day > 0) and (cigarettes_per_day <= 200))),
    constraint profiles_currency_check check ((currency ~ '^[A-Z]{3}$'::text)),
    constraint profiles_display_name_check check (((char_length(display_name) >= 1) and (char_length(display_name) <= 100))),
    constraint profiles_id_from_user check ((id = quit.row_id(user_id, 'profile'::text))),
    constraint profiles_locale_check check ((locale ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'::text)),
    constraint profiles_price_per_cigarette_check check ((price_per_cigarette >= (0)::numeric)),
    constraint profiles_quit_at_check check ((quit_at >= '2000-01-01 00:00:00+00'::timestamp with time zone)),
    constraint profiles_quit_reason_check check ((char_length(quit_reason) <= 1000)),
    constraint profiles_timezone_check check (internal.is_valid_timezone(timezone))
);

comment on table quit.profiles is 'One per user (id quit.row_id(user, ''profile'')): when they quit (a moment), why, the baseline (cigarettes per day, price per cigarette in the profile''s currency, ISO 4217), the IANA timezone every local day and streak is counted in, locale, display name and avatar (a Storage path).';

comment on column quit.profiles.quit_at is 'The moment the user quit; smoke-free time and local days are counted from it in the profile''s timezone.';

comment on column quit.profiles.price_per_cigarette is 'Price of one cigarette in the profile''s currency, exact to 2 places (money saved is computed from it exactly).';

alter table only quit.profiles
    add constraint profiles_pkey primary key (id);

alter table only quit.profiles
    add constraint profiles_user_id_key unique (user_id);

create index quit_profiles_deleted_at_idx on quit.profiles using btree (deleted_at) where (deleted_at is not null);

create index quit_profiles_sync_idx on quit.profiles using btree (user_id, version);

create trigger sync_stamp before insert or update on quit.profiles for each row execute function internal.sync_stamp();

alter table only quit.profiles
    add constraint profiles_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table quit.profiles enable row level security;

create policy "service role can read rows" on quit.profiles for select to service_role using (true);

create policy "users can add own rows" on quit.profiles for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on quit.profiles for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on quit.profiles for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table quit.profiles to authenticated;
grant select on table quit.profiles to service_role;

grant insert(id) on table quit.profiles to authenticated;

grant insert(user_id) on table quit.profiles to authenticated;

grant insert(quit_at),update(quit_at) on table quit.profiles to authenticated;

grant insert(quit_reason),update(quit_reason) on table quit.profiles to authenticated;

grant insert(cigarettes_per_day),update(cigarettes_per_day) on table quit.profiles to authenticated;

grant insert(price_per_cigarette),update(price_per_cigarette) on table quit.profiles to authenticated;

grant insert(currency),update(currency) on table quit.profiles to authenticated;

grant insert(timezone),update(timezone) on table quit.profiles to authenticated;

grant insert(locale),update(locale) on table quit.profiles to authenticated;

grant insert(display_name),update(display_name) on table quit.profiles to authenticated;

grant insert(avatar_path),update(avatar_path) on table quit.profiles to authenticated;

grant insert(updated_at),update(updated_at) on table quit.profiles to authenticated;

grant insert(deleted_at),update(deleted_at) on table quit.profiles to authenticated;

-- quit.settings -----------------------------------------------------------------------------------------------------

create table quit.settings (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    reminder_enabled boolean default true not null,
    reminder_time time without time zone default '09:00:00'::time without time zone not null,
    notify_achievements boolean default true not null,
    notify_milestones boolean default true not null,
    notify_encouragement boolean default true not null,
    quiet_hours_start time without time zone,
    quiet_hours_end time without time zone,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint settings_id_from_user check ((id = quit.row_id(user_id, 'settings'::text))),
    constraint settings_quiet_hours_check check (((quiet_hours_start is null) = (quiet_hours_end is null)))
);

comment on table quit.settings is 'One per user (id quit.row_id(user, ''settings'')): the daily check-in reminder (on/off, local time in the profile''s timezone), which notification kinds the user wants (achievements, health milestones, encouragement) and quiet hours (local; start after end spans midnight). No row: the defaults.';

comment on column quit.settings.quiet_hours_start is 'Start of the local quiet hours (no pushes); set together with quiet_hours_end, both null for none.';

alter table only quit.settings
    add constraint settings_pkey primary key (id);

alter table only quit.settings
    add constraint settings_user_id_key unique (user_id);

create index quit_settings_deleted_at_idx on quit.settings using btree (deleted_at) where (deleted_at is not null);

create index quit_settings_sync_idx on quit.settings using btree (user_id, version);

create trigger sync_stamp before insert or update on quit.settings for each row execute function internal.sync_stamp();

alter table only quit.settings
    add constraint settings_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table quit.settings enable row level security;

create policy "service role can read rows" on quit.settings for select to service_role using (true);

create policy "users can add own rows" on quit.settings for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on quit.settings for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on quit.settings for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table quit.settings to authenticated;
grant select on table quit.settings to service_role;

grant insert(id) on table quit.settings to authenticated;

grant insert(user_id) on table quit.settings to authenticated;

grant insert(reminder_enabled),update(reminder_enabled) on table quit.settings to authenticated;

grant insert(reminder_time),update(reminder_time) on table quit.settings to authenticated;

grant insert(notify_achievements),update(notify_achievements) on table quit.settings to authenticated;

grant insert(notify_milestones),update(notify_milestones) on table quit.settings to authenticated;

grant insert(notify_encouragement),update(notify_encouragement) on table quit.settings to authenticated;

grant insert(quiet_hours_start),update(quiet_hours_start) on table quit.settings to authenticated;

grant insert(quiet_hours_end),update(quiet_hours_end) on table quit.settings to authenticated;

grant insert(updated_at),update(updated_at) on table quit.settings to authenticated;

grant insert(deleted_at),update(deleted_at) on table quit.settings to authenticated;

-- quit.smoking_records ----------------------------------------------------------------------------------------------

create table quit.smoking_records (
    id uuid not null,
    user_id uuid default auth.uid() not null,
    smoked_at timestamp with time zone not null,
    cigarettes_smoked integer not null,
    trigger_tags text[] default '{}'::text[] not null,
    note text,
    location jsonb,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint smoking_records_cigarettes_smoked_check check (((cigarettes_smoked > 0) and (cigarettes_smoked <= 100))),
    constraint smoking_records_location_check check (((jsonb_typeof(location) = 'object'::text) and (pg_column_size(location) <= 1024))),
    constraint smoking_records_note_check check ((char_length(note) <= 1000)),
    constraint smoking_records_smoked_at_check check ((smoked_at >= '2000-01-01 00:00:00+00'::timestamp with time zone)),
    constraint smoking_records_trigger_tags_check check (quit.valid_trigger_tags(trigger_tags))
);

comment on table quit.smoking_records is 'Cigarettes the user smoked (a lapse after quitting, or history before it): when, how many (1–100), trigger tags (quit.trigger_tag_vocabulary() plus up to 3 free tags, quit.valid_trigger_tags), a note and an optional location object. Deleting leaves a tombstone.';

comment on column quit.smoking_records.trigger_tags is 'What triggered it: tags from quit.trigger_tag_vocabulary() and at most 3 free ones, 10 at most (GIN-indexed).';

comment on column quit.smoking_records.location is 'Optional place, as the app sends it (e.g. {"name": "office", "lat": 31.23, "lng": 121.47}); at most 1 KB.';

alter table only quit.smoking_records
    add constraint smoking_records_pkey primary key (id);

create index quit_smoking_records_deleted_at_idx on quit.smoking_records using btree (deleted_at) where (deleted_at is not null);

create index quit_smoking_records_sync_idx on quit.smoking_records using btree (user_id, version);

create index smoking_records_user_smoked_at_idx on quit.smoking_records using btree (user_id, smoked_at);

create index smoking_records_trigger_tags_idx on quit.smoking_records using gin (trigger_tags);

create trigger sync_stamp before insert or update on quit.smoking_records for each row execute function internal.sync_stamp();

alter table only quit.smoking_records
    add constraint smoking_records_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table quit.smoking_records enable row level security;

create policy "service role can read rows" on quit.smoking_records for select to service_role using (true);

create policy "users can add own rows" on quit.smoking_records for insert to authenticated with check ((user_id = ( select auth.uid() as uid)));

create policy "users can change own rows" on quit.smoking_records for update to authenticated using ((user_id = ( select auth.uid() as uid))) with check ((user_id = ( select auth.uid() as uid)));

create policy "users can read own rows" on quit.smoking_records for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table quit.smoking_records to authenticated;
grant select on table quit.smoking_records to service_role;

grant insert(id) on table quit.smoking_records to authenticated;

grant insert(user_id) on table quit.smoking_records to authenticated;

grant insert(smoked_at),update(smoked_at) on table quit.smoking_records to authenticated;

grant insert(cigarettes_smoked),update(cigarettes_smoked) on table quit.smoking_records to authenticated;

grant insert(trigger_tags),update(trigger_tags) on table quit.smoking_records to authenticated;

grant insert(note),update(note) on table quit.smoking_records to authenticated;

grant insert(location),update(location) on table quit.smoking_records to authenticated;

grant insert(updated_at),update(updated_at) on table quit.smoking_records to authenticated;

grant insert(deleted_at),update(deleted_at) on table quit.smoking_records to authenticated;

-- quit.user_achievements --------------------------------------------------------------------------------------------

create table quit.user_achievements (
    id uuid not null,
    user_id uuid not null,
    achievement_key text not null,
    unlocked_at timestamp with time zone,
    progress numeric(5,4) default 0 not null,
    created_at timestamp with time zone default now() not null,
    updated_at timestamp with time zone default now() not null,
    version bigint default 0 not null,
    deleted_at timestamp with time zone,
    constraint user_achievements_id_from_key check ((id = quit.row_id(user_id, ('achievement/'::text || achievement_key)))),
    constraint user_achievements_progress_check check (((progress >= (0)::numeric) and (progress <= (1)::numeric))),
    constraint user_achievements_unlocked_progress check (((unlocked_at is null) or (progress = (1)::numeric)))
);

comment on table quit.user_achievements is 'A user''s standing on an achievement (one row per user and achievement, id quit.row_id(user, ''achievement/<key>'')): the progress last evaluated (0–1) and, once met, when it was unlocked. Written only by quit.evaluate_achievements() (security definer); clients read their own and can never insert or change one, not through the Data API and not through sync push or import.';

comment on column quit.user_achievements.unlocked_at is 'When the rule was first met; null while locked. Never changes once set.';

alter table only quit.user_achievements
    add constraint user_achievements_pkey primary key (id);

alter table only quit.user_achievements
    add constraint user_achievements_user_key unique (user_id, achievement_key);

create index quit_user_achievements_deleted_at_idx on quit.user_achievements using btree (deleted_at) where (deleted_at is not null);

create index quit_user_achievements_sync_idx on quit.user_achievements using btree (user_id, version);

create index user_achievements_achievement_key_idx on quit.user_achievements using btree (achievement_key);

create trigger sync_stamp before insert or update on quit.user_achievements for each row execute function internal.sync_stamp();

alter table only quit.user_achievements
    add constraint user_achievements_achievement_key_fkey foreign key (achievement_key) references quit.achievements(key);

alter table only quit.user_achievements
    add constraint user_achievements_user_id_fkey foreign key (user_id) references auth.users(id) on delete cascade;

alter table quit.user_achievements enable row level security;

create policy "service role can read rows" on quit.user_achievements for select to service_role using (true);

create policy "users can read own rows" on quit.user_achievements for select to authenticated using ((user_id = ( select auth.uid() as uid)));

grant select on table quit.user_achievements to authenticated;
grant select on table quit.user_achievements to service_role;

-- Tables opted into sync with their conflict strategy (the triggers and indexes internal.enable_sync installs are
-- above; this is the registry row it writes).
insert into internal.sync_tables (table_name, app_id, strategy) values
  ('quit.profiles', 'quit', 'last_write_wins'),
  ('quit.settings', 'quit', 'last_write_wins'),
  ('quit.checkins', 'quit', 'last_write_wins'),
  ('quit.smoking_records', 'quit', 'server_wins'),
  ('quit.user_achievements', 'quit', 'server_wins'),
  ('quit.notifications', 'quit', 'last_write_wins');
