-- The caller's stored score of a day, read by a record write after its insert. As a statement of its own the read
-- was planned on every request (simple protocol: no prepared statements through the pooler), and planning a
-- lookup under RLS cost three times running it (76 µs against 22 µs through this function's cached plan).
create or replace function coach.stored_day_score(p_date date) returns smallint
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  return (select l.score from coach.day_logs l where l.user_id = auth.uid() and l.log_date = p_date and l.deleted_at is null);
end
$$;
comment on function coach.stored_day_score(date) is
  'The calling user''s stored score of a day (null: no live log, or nothing scored). Invoker: RLS applies.';
revoke execute on function coach.stored_day_score(date) from public;
grant execute on function coach.stored_day_score(date) to authenticated;
