-- What POST /coach/records/workout (with a date) sends: the gate, then one message with the settings, the insert
-- (its triggers link and rescore the day) and the day's new score.
\set n random(1, 1000)
SELECT internal.rate_limit_gate('bench', ARRAY['write:ip:bench-' || CAST(:n AS text), 'write:user:' || md5('bench-user-' || :n)], ARRAY[1000000000, 1000000000], ARRAY[60, 60]) AS retry;
SELECT internal.rate_limit_guard('bench'), set_config('role', 'authenticated', true), set_config('request.jwt.claims', json_build_object('sub', md5('bench-user-' || :n)::uuid, 'role', 'authenticated')::text, true), set_config('request.jwt.claim.sub', md5('bench-user-' || :n)::uuid::text, true) \; INSERT INTO coach.workouts (id, log_date, workout_type, duration_minutes) VALUES (gen_random_uuid(), current_date, 'running', 30) RETURNING * \; SELECT score FROM coach.day_logs WHERE user_id = (SELECT auth.uid()) AND log_date = current_date;
