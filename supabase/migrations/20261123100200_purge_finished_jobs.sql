-- Succeeded jobs were kept forever; the queue table (and every scan of it) grew with history. They are kept for
-- a week for inspection, then removed daily. Dead jobs stay until someone retries or removes them.

create or replace function internal.purge_finished_jobs(p_older_than interval default '7 days') returns bigint
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_count bigint;
begin
  delete from internal.jobs where status = 'succeeded' and finished_at < now() - p_older_than;
  get diagnostics v_count = row_count;
  return v_count;
end
$$;
comment on function internal.purge_finished_jobs(interval) is 'Removes succeeded jobs finished before the horizon (default a week); returns how many.';
revoke execute on function internal.purge_finished_jobs(interval) from public;

create index jobs_finished_idx on internal.jobs (finished_at) where status = 'succeeded';

select cron.schedule('purge-finished-jobs', '43 19 * * *', 'select internal.purge_finished_jobs()');
