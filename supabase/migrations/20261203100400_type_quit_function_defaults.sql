-- Quit Journey (issue 22): typed initial values in quit.evaluate_achievements and quit.delete_user_data.
--
-- plpgsql_check (`supabase db lint`) warns on a text literal assigned to a text[] or jsonb variable ('{}', '[]'):
-- the literals are now cast explicitly. Behaviour is unchanged.

select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create or replace function quit.evaluate_achievements(p_user_id uuid) returns jsonb
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
  v_unlocked text[] := '{}'::text[];
  v_list jsonb := '[]'::jsonb;
  v_locale text;
begin
  perform quit.assert_caller(p_user_id);
  -- Concurrent evaluations of one user queue here and each reads what the one before committed: an unlock, its
  -- points and its notification happen once.
  perform quit.lock_user(p_user_id);
  v_metrics := quit.user_metrics(p_user_id);
  -- Notifications speak the profile's language: English for en*, otherwise Chinese.
  v_locale := case when (select q.locale from quit.profiles q where q.user_id = p_user_id and q.deleted_at is null) like 'en%'
                   then 'en' else 'zh-CN' end;
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
          values (p_user_id, 'achievement', v_achievement.name ->> v_locale, v_achievement.description ->> v_locale,
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



create or replace function quit.delete_user_data(p_user_id uuid) returns jsonb
    language plpgsql security definer
    set search_path to ''
    as $_$
declare
  v_table text;
  v_count bigint;
  v_counts jsonb := '{}'::jsonb;
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



