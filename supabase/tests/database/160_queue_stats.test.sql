begin;
select plan(4);

insert into internal.jobs (queue, status, finished_at) select 'stats.done', 'succeeded', now() from generate_series(1, 50);
insert into internal.jobs (queue, status) select 'stats.busy', 'queued' from generate_series(1, 3);
insert into internal.jobs (queue, status, created_at) values ('stats.busy', 'failed', now() - interval '1 hour');
insert into internal.jobs (queue, status) values ('stats.dead', 'dead');

select is(internal.queue_stats() -> 'queues' -> 'stats.busy', '{"depth": 4, "oldest_age_seconds": 3600, "dead": 0}'::jsonb, 'waiting jobs per queue, with the oldest''s age');
select is(internal.queue_stats() -> 'queues' -> 'stats.dead', '{"depth": 0, "oldest_age_seconds": null, "dead": 1}'::jsonb, 'dead jobs per queue');
select ok(not (internal.queue_stats() -> 'queues' ? 'stats.done'), 'finished history is not counted');
select ok((internal.queue_stats() ->> 'depth')::int >= 4, 'the total depth counts every waiting job');

select * from finish();
rollback;
