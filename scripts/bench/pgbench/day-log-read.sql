-- What GET /coach/day-logs/{date} sends, as one message: the rate-limit gate in a block of its own, then the caller's
-- role and claims and the day (a second block).
\set n random(1, 1000)
\set d random(0, 89)
BEGIN \; SELECT internal.rate_limit_gate(ARRAY['read:ip:bench-' || CAST(:n AS text), 'read:user:' || md5('bench-user-' || :n)], ARRAY[1000000000, 1000000000], ARRAY[60, 60]) \; COMMIT \; BEGIN \; SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', json_build_object('sub', md5('bench-user-' || :n)::uuid, 'role', 'authenticated')::text, true), set_config('request.jwt.claim.sub', md5('bench-user-' || :n)::uuid::text, true) \; SELECT coach.day_view(current_date - CAST(:d AS integer)) AS day \; COMMIT;
