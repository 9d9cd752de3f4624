-- Quit Journey (issue 22): achievements unlock on the server only, once, with their points once.
--
-- quit.evaluate_achievements evaluates every active rule against quit.user_metrics, records each unlock once, grants
-- its points once through the ledger (quit/points, key quit-achievement:<key>) and adds a notification; evaluations of
-- one user serialise on their sync clock row (quit.lock_user), the lock every write of their syncable rows already
-- takes. Triggers run it after every write to profiles, checkins and smoking_records, so the routes, sync push and
-- import all unlock. quit.delete_user_data deletes the app's data of a user now (the ledger stays).
-- Sync: a pushed or imported new row of a table clients may not insert into (user_achievements, notifications) is
-- refused with FORBIDDEN (internal.sync_require_insert) instead of failing the whole request with a syntax error.

select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create function quit.assert_caller(p_user_id uuid) returns void
    language plpgsql stable
    set search_path to ''
    as $$
begin
  -- A signed-in user acts on their own data only; the service role (no auth.uid()) names the user it acts for.
  if auth.uid() is not null and p_user_id is distinct from auth.uid() then
    raise exception using errcode = '42501', message = 'this is another user''s data';
  end if;
end
$$;

comment on function quit.assert_caller(p_user_id uuid) is 'Refuses (42501) a signed-in caller acting for another user; the service role and the server itself pass.';

revoke all on function quit.assert_caller(p_user_id uuid) from public;
grant all on function quit.assert_caller(p_user_id uuid) to authenticated;
grant all on function quit.assert_caller(p_user_id uuid) to service_role;

create function quit.lock_user(p_user_id uuid) returns void
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  -- The user's sync clock row: every write to one of their syncable rows locks it first (internal.sync_stamp), so
  -- taking it here too keeps one lock order and serialises all of the user's writers until commit.
  insert into internal.sync_clocks (user_id) values (p_user_id) on conflict (user_id) do nothing;
  perform from internal.sync_clocks c where c.user_id = p_user_id for update;
end
$$;

comment on function quit.lock_user(p_user_id uuid) is 'Locks the user''s sync clock row until commit: the one lock every write of the user''s syncable rows takes, so evaluations and deletions serialise with them and with each other without a second lock order. Security definer: the clocks are server-only.';

revoke all on function quit.lock_user(p_user_id uuid) from public;

create function quit.rule_progress(p_rule jsonb, p_metrics jsonb) returns jsonb
    language plpgsql immutable
    set search_path to ''
    as $$
declare
  v_key text;
  v_metric text;
  v_current numeric;
  v_target numeric;
begin
  select k into v_key from jsonb_object_keys(p_rule) k;
  if v_key in ('all', 'any') then
    -- all: met when every part is, progress the mean of the parts'; any: met when one is, progress the best part's.
    return (select jsonb_build_object(
                     'met', case when v_key = 'all' then bool_and((x.r ->> 'met')::boolean) else bool_or((x.r ->> 'met')::boolean) end,
                     'progress', case when v_key = 'all' then avg((x.r ->> 'progress')::numeric) else max((x.r ->> 'progress')::numeric) end,
                     'current', null, 'target', null)
              from (select quit.rule_progress(e, p_metrics) as r from jsonb_array_elements(p_rule -> v_key) e) x);
  end if;
  -- A streak achievement counts the longest streak: one earned before (an imported history) is not lost to a gap.
  v_metric := case v_key when 'checkin_streak' then 'longest_streak' else v_key end;
  v_current := coalesce((p_metrics ->> v_metric)::numeric, 0);
  v_target := (p_rule -> v_key ->> 'gte')::numeric;
  return jsonb_build_object('met', v_current >= v_target, 'progress', least(1, v_current / v_target),
                            'current', p_metrics -> v_metric, 'target', p_rule -> v_key -> 'gte');
end
$$;

comment on function quit.rule_progress(p_rule jsonb, p_metrics jsonb) is 'Evaluates a rule (quit.valid_rule) against quit.user_metrics(): {met, progress 0–1, current, target}. Leaves compare the metric with gte (checkin_streak reads longest_streak, money_saved the exact decimal); all is met when every part is (progress: the mean), any when one is (progress: the best part''s); combinators have no current or target.';

revoke all on function quit.rule_progress(p_rule jsonb, p_metrics jsonb) from public;
grant all on function quit.rule_progress(p_rule jsonb, p_metrics jsonb) to authenticated;
grant all on function quit.rule_progress(p_rule jsonb, p_metrics jsonb) to service_role;

create function quit.evaluate_achievements(p_user_id uuid) returns jsonb
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_metrics jsonb;
  v_achievement quit.achievements;
  v_eval jsonb;
  v_met boolean;
  v_progress numeric;
  v_row quit.user_achievements;
  v_unlocked text[] := '{}';
  v_list jsonb := '[]';
begin
  perform quit.assert_caller(p_user_id);
  -- Concurrent evaluations of one user queue here and each reads what the one before committed: an unlock, its
  -- points and its notification happen once.
  perform quit.lock_user(p_user_id);
  v_metrics := quit.user_metrics(p_user_id);
  for v_achievement in select * from quit.achievements a where a.active order by a.sort, a.key loop
    v_eval := quit.rule_progress(v_achievement.rule, v_metrics);
    v_met := (v_eval ->> 'met')::boolean;
    select * into v_row from quit.user_achievements u where u.user_id = p_user_id and u.achievement_key = v_achievement.key;
    if v_row.unlocked_at is null then
      -- Stored progress moves in hundredths (fewer sync versions); 1 only once met.
      v_progress := case when v_met then 1 else least(round((v_eval ->> 'progress')::numeric, 2), 0.99) end;
      if v_row.id is null and (v_met or v_progress > 0) then
        insert into quit.user_achievements (id, user_id, achievement_key, progress, unlocked_at)
        values (quit.row_id(p_user_id, 'achievement/' || v_achievement.key), p_user_id, v_achievement.key, v_progress,
                case when v_met then now() end)
        returning * into v_row;
      elsif v_row.id is not null and (v_met or v_row.progress <> v_progress) then
        update quit.user_achievements u set progress = v_progress, unlocked_at = case when v_met then now() end
         where u.id = v_row.id returning * into v_row;
      end if;
      if v_met then
        v_unlocked := v_unlocked || v_achievement.key;
        if v_achievement.points > 0 then
          -- Keyed by user (the account) and achievement: the ledger itself refuses a second grant.
          perform public.wallet_post('quit', p_user_id, 'points', v_achievement.points, 'reward',
                                     format('achievement %s', v_achievement.key), format('quit-achievement:%s', v_achievement.key),
                                     'quit.achievement', v_achievement.key);
        end if;
        if coalesce((select s.notify_achievements from quit.settings s where s.user_id = p_user_id and s.deleted_at is null), true) then
          insert into quit.notifications (user_id, kind, title, body, data)
          values (p_user_id, 'achievement', v_achievement.name ->> 'zh-CN', v_achievement.description ->> 'zh-CN',
                  jsonb_build_object('achievement_key', v_achievement.key, 'name', v_achievement.name,
                                     'description', v_achievement.description, 'points', v_achievement.points));
        end if;
      end if;
    end if;
    v_list := v_list || jsonb_build_object(
      'key', v_achievement.key, 'unlocked', v_row.unlocked_at is not null, 'unlocked_at', v_row.unlocked_at,
      'progress', case when v_row.unlocked_at is not null then 1 else round((v_eval ->> 'progress')::numeric, 4) end,
      'current', v_eval -> 'current', 'target', v_eval -> 'target');
  end loop;
  return jsonb_build_object('unlocked', to_jsonb(v_unlocked), 'achievements', v_list);
end
$$;

comment on function quit.evaluate_achievements(p_user_id uuid) is 'Evaluates every active achievement''s rule against quit.user_metrics() and unlocks each one met, once: records unlocked_at, grants its points once through the ledger (quit/points, idempotency key quit-achievement:<key>, unique per user account) and adds an achievement notification when the user wants them; stores progress of the others in hundredths. Serialised per user (quit.lock_user), so concurrent callers cannot unlock or grant twice. Returns {unlocked: [keys newly unlocked now], achievements: [{key, unlocked, unlocked_at, progress 0–1, current, target}]}. Runs after every write to profiles, checkins and smoking_records (whatever path wrote). Security definer: user_achievements, notifications and the ledger are server-written; a signed-in caller may only evaluate themselves.';

revoke all on function quit.evaluate_achievements(p_user_id uuid) from public;
grant all on function quit.evaluate_achievements(p_user_id uuid) to authenticated;
grant all on function quit.evaluate_achievements(p_user_id uuid) to service_role;

create function quit.evaluate_after_write() returns trigger
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  perform quit.evaluate_achievements(new.user_id);
  return null;
end
$$;

comment on function quit.evaluate_after_write() is 'After a write that can change a metric (profiles, checkins, smoking_records; through the Data API, the routes, sync push or import alike): evaluates the owner''s achievements.';

revoke all on function quit.evaluate_after_write() from public;

create function quit.delete_user_data(p_user_id uuid) returns jsonb
    language plpgsql security definer
    set search_path to ''
    as $_$
declare
  v_table text;
  v_count bigint;
  v_counts jsonb := '{}';
begin
  perform quit.assert_caller(p_user_id);
  perform internal.require_aal2();
  perform quit.lock_user(p_user_id);
  foreach v_table in array array['notifications', 'user_achievements', 'smoking_records', 'checkins', 'settings', 'profiles'] loop
    execute format('delete from quit.%I where user_id = $1', v_table) using p_user_id;
    get diagnostics v_count = row_count;
    v_counts := v_counts || jsonb_build_object(v_table, v_count);
  end loop;
  -- The app's sync bookkeeping goes too: its devices, imports, conflicts and remembered pushes.
  delete from internal.sync_mutations m where m.user_id = p_user_id and m.table_name like 'quit.%';
  delete from internal.sync_conflicts c where c.user_id = p_user_id and c.app_id = 'quit';
  delete from internal.sync_devices d where d.user_id = p_user_id and d.app_id = 'quit';
  delete from internal.sync_imports i where i.user_id = p_user_id and i.app_id = 'quit';
  return v_counts;
end
$_$;

comment on function quit.delete_user_data(p_user_id uuid) is 'Deletes the user''s Quit Journey data now, rows and tombstones alike (profile, settings, check-ins, smoking records, achievements, notifications, and the app''s sync devices, imports, conflicts and remembered pushes); returns the rows deleted per quit table. The ledger is append-only and stays: quit points entries and the balance remain. Whole-account deletion across apps is not this. Needs aal2 from a user with MFA (internal.require_aal2). Security definer: clients cannot delete rows; a signed-in caller may only delete their own.';

revoke all on function quit.delete_user_data(p_user_id uuid) from public;
grant all on function quit.delete_user_data(p_user_id uuid) to authenticated;
grant all on function quit.delete_user_data(p_user_id uuid) to service_role;

create trigger evaluate_achievements after insert or update on quit.checkins for each row execute function quit.evaluate_after_write();
create trigger evaluate_achievements after insert or update on quit.profiles for each row execute function quit.evaluate_after_write();
create trigger evaluate_achievements after insert or update on quit.smoking_records for each row execute function quit.evaluate_after_write();

create or replace function internal.sync_require_insert(p_table regclass) returns void
    language plpgsql stable
    set search_path to ''
    as $$
begin
  -- A table clients only pull (rows the server writes, such as unlocked achievements) grants them no insert.
  if not pg_catalog.has_table_privilege(p_table, 'INSERT')
     and not pg_catalog.has_any_column_privilege(p_table, 'INSERT') then
    raise exception using errcode = 'P0001', message = 'FORBIDDEN', detail = format('%s is written by the server only', p_table);
  end if;
end
$$;

comment on function internal.sync_require_insert(p_table regclass) is 'Refuses (FORBIDDEN) a pushed or imported new row of a syncable table the caller may not insert into: such tables are pulled only. Invoker: the caller''s grants decide.';

revoke all on function internal.sync_require_insert(p_table regclass) from public;
grant all on function internal.sync_require_insert(p_table regclass) to authenticated;
grant all on function internal.sync_require_insert(p_table regclass) to service_role;

create or replace function public.sync_import_row(p_app_id public.app_id, p_table text, p_row jsonb) returns jsonb
    language plpgsql
    set search_path to ''
    as $_$
declare
  v_id uuid;
  v_row jsonb;
  v_write record;
  v_version bigint;
begin
  if not exists (select 1 from internal.sync_tables t where t.table_name = p_table and t.app_id = p_app_id) then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = format('%s is not a syncable table of %s', p_table, p_app_id);
  end if;
  v_id := internal.sync_row_id(p_row);
  v_row := (p_row - 'version') || jsonb_build_object('user_id', auth.uid());
  v_write := internal.sync_row_columns(p_table::regclass, v_row, 'INSERT');
  perform internal.sync_require_insert(p_table::regclass);
  begin
    -- Insert only: what is already in the cloud (an earlier import, an edit since) is newer than the phone's copy.
    execute format('insert into %s (%s) select %s from jsonb_populate_record(null::%s, $1) returning version', p_table, v_write.writable, v_write.writable, p_table)
      into v_version using v_row - v_write.ignored;
    return jsonb_build_object('status', 'imported', 'id', v_id, 'version', v_version::text) || v_write.report;
  exception when unique_violation then
    execute format('select t.version from %s t where t.id = $1', p_table) into v_version using v_id;
    if v_version is null then
      -- Taken by a row the caller cannot see.
      raise exception using errcode = 'P0001', message = 'CONFLICT', detail = 'this id is already used by another record';
    end if;
    return jsonb_build_object('status', 'skipped', 'id', v_id, 'version', v_version::text, 'reason', 'already in the cloud');
  end;
end
$_$;
revoke all on function public.sync_import_row(public.app_id, text, jsonb) from anon, authenticated, service_role;

comment on function public.sync_import_row(p_app_id public.app_id, p_table text, p_row jsonb) is 'Imports one local row as the caller (RLS in force): inserted with a new version (columns the caller may not write are left to the server and listed as ignored), or skipped when its id is already in the cloud.';

revoke all on function public.sync_import_row(p_app_id public.app_id, p_table text, p_row jsonb) from public;
grant all on function public.sync_import_row(p_app_id public.app_id, p_table text, p_row jsonb) to authenticated;
grant all on function public.sync_import_row(p_app_id public.app_id, p_table text, p_row jsonb) to service_role;

create or replace function public.sync_push_mutation(p_app_id public.app_id, p_device_id text, p_mutation_id uuid, p_table text, p_op text, p_row jsonb, p_base_version bigint) returns jsonb
    language plpgsql
    set search_path to ''
    as $_$
declare
  v_strategy text;
  v_current jsonb;
  v_id uuid;
  v_row jsonb;
  v_result jsonb;
  v_apply boolean := true;
  v_write record;
begin
  v_result := internal.sync_mutation_outcome(p_mutation_id);
  if v_result is not null then
    return v_result || jsonb_build_object('replayed', true);
  end if;
  select t.strategy into v_strategy from internal.sync_tables t where t.table_name = p_table and t.app_id = p_app_id;
  if v_strategy is null then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = format('%s is not a syncable table of %s', p_table, p_app_id);
  end if;
  if p_op not in ('upsert', 'delete') then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = 'op must be upsert or delete';
  end if;
  v_id := internal.sync_row_id(p_row);
  v_row := (p_row - 'version' - 'user_id') || jsonb_build_object('user_id', auth.uid());
  if p_op = 'delete' then
    v_row := jsonb_build_object('id', v_id, 'user_id', auth.uid(), 'deleted_at', coalesce(p_row ->> 'deleted_at', now()::text));
  end if;

  execute format('select to_jsonb(t) from %s t where t.id = $1 for update', p_table) into v_current using v_id;
  if v_current is not null and (v_current ->> 'user_id') is distinct from auth.uid()::text then
    raise exception using errcode = 'P0001', message = 'FORBIDDEN', detail = 'this row belongs to someone else';
  end if;
  if v_current is not null and (v_current ->> 'version')::bigint > coalesce(p_base_version, 0) then
    -- Changed on the server since the client last saw it: the table's strategy decides.
    if v_strategy in ('server_wins', 'manual') then
      v_apply := false;
    elsif v_strategy = 'last_write_wins' then
      v_apply := coalesce((v_row ->> 'updated_at')::timestamptz, '-infinity') > (v_current ->> 'updated_at')::timestamptz;
    end if;
  end if;

  if v_apply then
    -- What the client may write: the columns it sent that the caller's grants allow; the rest is the server's.
    v_write := internal.sync_row_columns(p_table::regclass, v_row, case when v_current is null then 'INSERT' else 'UPDATE' end);
    v_row := v_row - v_write.ignored;
    if v_current is null then
      perform internal.sync_require_insert(p_table::regclass);
      execute format('insert into %s (%s) select %s from jsonb_populate_record(null::%s, $1) returning to_jsonb(%s.*)',
                     p_table, v_write.writable, v_write.writable, p_table, p_table) into v_current using v_row;
    else
      if v_write.writable is null then
        raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED',
          detail = format('the row changes no column a client may write (ignored: %s)', coalesce(nullif(array_to_string(v_write.ignored, ', '), ''), 'none'));
      end if;
      execute format('update %s t set (%s) = (select %s from jsonb_populate_record(null::%s, $1)) where t.id = $2 returning to_jsonb(t.*)',
                     p_table, v_write.writable, v_write.writable, p_table) into v_current using v_row, v_id;
    end if;
    v_result := jsonb_build_object('mutation_id', p_mutation_id, 'status', 'applied', 'version', (v_current ->> 'version')::bigint, 'row', v_current)
                || v_write.report;
  else
    v_result := jsonb_build_object('mutation_id', p_mutation_id, 'status', 'conflict', 'strategy', v_strategy,
                                   'resolution', case when v_strategy = 'manual' then 'resolve_on_client' else 'server_kept' end,
                                   'server_row', v_current);
  end if;
  perform internal.sync_record_mutation(p_mutation_id, p_device_id, p_table, v_result);
  return v_result;
end
$_$;
revoke all on function public.sync_push_mutation(public.app_id, text, uuid, text, text, jsonb, bigint) from anon, authenticated, service_role;

comment on function public.sync_push_mutation(p_app_id public.app_id, p_device_id text, p_mutation_id uuid, p_table text, p_op text, p_row jsonb, p_base_version bigint) is 'Applies one pushed mutation as the caller (RLS in force) by the table''s conflict strategy, once per mutation_id: applied (new version; columns the caller may not write are left to the server and listed as ignored), or conflict (server row and resolution).';

revoke all on function public.sync_push_mutation(p_app_id public.app_id, p_device_id text, p_mutation_id uuid, p_table text, p_op text, p_row jsonb, p_base_version bigint) from public;
grant all on function public.sync_push_mutation(p_app_id public.app_id, p_device_id text, p_mutation_id uuid, p_table text, p_op text, p_row jsonb, p_base_version bigint) to authenticated;
grant all on function public.sync_push_mutation(p_app_id public.app_id, p_device_id text, p_mutation_id uuid, p_table text, p_op text, p_row jsonb, p_base_version bigint) to service_role;

