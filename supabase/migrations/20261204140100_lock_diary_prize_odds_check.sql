-- Two admins saving prizes at the same moment could push the active probabilities over 1: the after-statement check
-- summed without a lock, so each transaction saw its own change and the other's old committed value. It now takes a
-- transaction advisory lock before summing; the second edit waits for the first and, in read committed, its sum (a
-- statement of its own) sees what the first committed.

create or replace function diary.check_prize_odds() returns trigger
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
