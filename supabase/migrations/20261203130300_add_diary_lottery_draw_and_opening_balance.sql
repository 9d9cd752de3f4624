-- Growth Diary's lottery draw and the opening balance of migrated users (issue 23).
--
-- Why: a draw must be all or nothing and auditable: one SQL function charges the cost (remote config
-- lottery.draw_cost) through wallet_consume, draws from pgcrypto's secure generator, takes the won prize's stock
-- under its row lock (a prize out of stock is never won) and records the random value with the odds it met, once
-- per idempotency key. The points a child had in the mini program's local storage become one ledger entry
-- (adjust, reason migration) at most once per user, ever, whatever the retries or concurrency. complete_task now
-- answers its balance through the shared diary.points_balance().

select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;


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
  if p_idempotency_key is null or char_length(p_idempotency_key) not between 1 and 200 then
    raise exception using errcode = 'P0001', message = 'VALIDATION_FAILED', detail = 'A draw needs an idempotency key of 1 to 200 characters.';
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
  -- Charged first: without the points (INSUFFICIENT_BALANCE) nothing at all is written.
  v_spent := public.wallet_consume('diary', p_user_id, 'points', v_cost, 'Lottery draw', p_idempotency_key, 'lottery_draw', v_id::text);
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

comment on function diary.draw(p_user_id uuid, p_idempotency_key text) is 'One lottery draw, all or nothing: charges lottery.draw_cost through wallet_consume (INSUFFICIENT_BALANCE: nothing is written), draws a number in [0, 1) from pgcrypto''s gen_random_bytes, walks the active prizes in (sort, id) order adding their probabilities and wins the first whose running sum exceeds it; the won prize''s row is locked and its stock taken (a prize out of stock is not won: no prize); records the draw with its random value and odds. The same key again answers the first draw (replayed); a key that already spent points on something else is IDEMPOTENCY_CONFLICT. Returns {draw, prize, balance, replayed}. Security definer: called by the API as the service role with the caller''s id.';

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

create or replace function diary.complete_task(p_user_id uuid, p_task text, p_date date) returns jsonb
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
begin
  if p_task ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    select * into v_custom from diary.custom_tasks t where t.id = p_task::uuid and t.user_id = p_user_id and t.deleted_at is null;
  else
    select * into v_system from diary.system_tasks t where t.key = p_task;
  end if;
  if v_custom.id is null and v_system.key is null then
    raise exception using errcode = 'P0001', message = 'NOT_FOUND', detail = format('There is no task %s.', p_task);
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
    insert into diary.task_completions (user_id, system_task_key, custom_task_id, task_date, points_granted)
    values (p_user_id, v_system.key, v_custom.id, p_date, coalesce(v_system.points_reward, v_custom.points_reward))
    on conflict do nothing
    returning * into v_completion;
    if v_completion.id is null then
      -- The same completion arrived at the same moment and committed first: its result is the answer.
      return diary.complete_task(p_user_id, p_task, p_date);
    end if;
    if v_completion.points_granted > 0 then
      -- In the same transaction as the completion, once per user, task and date (the ledger key says which).
      v_posted := diary.grant_once(p_user_id, v_completion.points_granted, 'reward',
                                   format('Task done: %s', coalesce(v_system.title ->> 'zh-CN', v_custom.title)),
                                   format('diary_task:%s:%s', coalesce(v_system.key, v_custom.id::text), p_date),
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

