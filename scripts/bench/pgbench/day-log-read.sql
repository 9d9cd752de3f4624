-- What GET /coach/day-logs/{date} sends, as one message (an implicit transaction): the caller's role and claims, and
-- the day.
\set n random(1, 1000)
\set d random(0, 89)
SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', json_build_object('sub', md5('bench-user-' || :n)::uuid, 'role', 'authenticated')::text, true), set_config('request.jwt.claim.sub', md5('bench-user-' || :n)::uuid::text, true) \; SELECT coach.day_view(current_date - CAST(:d AS integer)) AS day;
