begin;
select plan(7);

insert into internal.jobs (queue, status, finished_at) select 'stats.done', 'succeeded', now() from generate_series(1, 50);
insert into internal.jobs (queue, status) select 'stats.busy', 'queued' from generate_series(1, 3);
insert into internal.jobs (queue, status, created_at) values ('stats.busy', 'failed', now() - interval '1 hour');
insert into internal.jobs (queue, status) values ('stats.dead', 'dead');
insert into internal.jobs (queue, status) select 'stats.other', 'queued' from generate_series(1, 2);

select is(internal.queue_stats() -> 'queues' -> 'stats.busy', '{"depth": 4, "oldest_age_seconds": 3600, "dead": 0}'::jsonb, 'waiting jobs per queue, with the oldest''s age');
select is(internal.queue_stats() -> 'queues' -> 'stats.dead', '{"depth": 0, "oldest_age_seconds": null, "dead": 1}'::jsonb, 'dead jobs per queue');
select ok(not (internal.queue_stats() -> 'queues' ? 'stats.done'), 'finished history is not counted');
select is((s ->> 'depth')::int, (select sum((q.value ->> 'depth')::int)::int from jsonb_each(s -> 'queues') q), 'the total depth is the sum of every queue''s waiting jobs')
  from (select internal.queue_stats() as s) stats;

update internal.jobs set finished_at = now() - interval '8 days' where queue = 'stats.done' and id in (select id from internal.jobs where queue = 'stats.done' limit 30);
select is(internal.purge_finished_jobs(), 30::bigint, 'succeeded jobs older than a week are purged');
select is((select count(*)::int from internal.jobs where queue in ('stats.busy', 'stats.dead', 'stats.other')), 7, 'waiting and dead jobs stay');
select is((select schedule from cron.job where jobname = 'purge-finished-jobs'), '43 19 * * *', 'the purge runs daily');

select * from finish();
rollback;
