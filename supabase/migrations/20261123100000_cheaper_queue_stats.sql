-- /health reads the queue stats on every call. They used to group every job ever run, so health slowed down as
-- the job history grew (the benchmark saw 100 req/s with ~10,000 jobs). Only waiting and dead jobs are counted
-- now, through the partial indexes that cover them.

create or replace function internal.queue_stats() returns jsonb
language sql
stable
security definer
set search_path = ''
as $$
  with pending as (
    select queue, count(*) as depth, floor(extract(epoch from now() - min(created_at)))::bigint as oldest
      from internal.jobs where status in ('queued', 'failed') group by queue
  ), dead as (
    select queue, count(*) as dead from internal.jobs where status = 'dead' group by queue
  )
  select jsonb_build_object(
    'depth', coalesce((select sum(depth) from pending), 0),
    'queues', coalesce((select jsonb_object_agg(q.queue, jsonb_build_object('depth', coalesce(p.depth, 0), 'oldest_age_seconds', p.oldest, 'dead', coalesce(d.dead, 0)))
                          from (select queue from pending union select queue from dead) q
                          left join pending p on p.queue = q.queue
                          left join dead d on d.queue = q.queue), '{}'::jsonb),
    'dead', coalesce((select sum(dead) from dead), 0),
    'last_heartbeat', (select max(seen_at) from internal.worker_heartbeats)
  )
$$;
