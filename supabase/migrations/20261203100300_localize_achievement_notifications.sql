-- Quit Journey (issue 22): achievement notifications in the user's language.
--
-- quit.evaluate_achievements wrote every unlock notification's title and body in Chinese; it now takes them from
-- the catalog's i18n texts in the profile's locale (en for en*, otherwise zh-CN). Nothing else changes.

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
  v_unlocked text[] := '{}';
  v_list jsonb := '[]';
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

comment on function quit.evaluate_achievements(p_user_id uuid) is 'Evaluates every active achievement''s rule against quit.user_metrics() and unlocks each one met, once: records unlocked_at, grants its points once through the ledger (quit/points, idempotency key quit-achievement:<key>, unique per user account) and adds an achievement notification (in the profile''s language: en for en*, else zh-CN) when the user wants them; stores progress of the others in hundredths. Serialised per user (quit.lock_user), so concurrent callers cannot unlock or grant twice. Returns {unlocked: [keys newly unlocked now], achievements: [{key, unlocked, unlocked_at, progress 0–1, current, target}]}. Runs after every write to profiles, checkins and smoking_records (whatever path wrote). Security definer: user_achievements, notifications and the ledger are server-written; a signed-in caller may only evaluate themselves.';


