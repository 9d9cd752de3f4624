-- The draw's ledger key was the client's raw Idempotency-Key, while POST points/deduct keys its spends client:<key>:
-- a draw keyed client:k1 and then a deduct keyed k1 met on one ledger key, and the deduct was answered as a replay
-- with nothing charged (one payment, two spends). A draw keyed like a rule's key (diary_day:<date>,
-- diary:opening_balance) took that key, and diary.grant_once() then answered the spend as the grant: the reward
-- skipped for good, or reported as given. Draws now charge under diary_draw:<key> (keys of at most 189 characters
-- so the ledger's 200 hold it); grant_once refuses (IDEMPOTENCY_CONFLICT) a key holding another kind of entry.
-- Draws made before keep their ledger entries: a retry finds the draw by its own key first.

create or replace function diary.grant_once(p_user_id uuid, p_amount bigint, p_kind text, p_reason text, p_key text, p_ref_type text, p_ref_id text) returns internal.wallet_posting
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

create or replace function diary.draw(p_user_id uuid, p_idempotency_key text) returns jsonb
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
