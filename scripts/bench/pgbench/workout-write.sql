-- What POST /coach/records/workout (with a date) sends (db.asUser with a list of two statements): one
-- simple-protocol message, an implicit transaction: the caller's settings, the insert (its triggers link and rescore
-- the day) and the day's new score, values as literals. Run with -M simple: the `\;` joins make it one Query.
\set n random(1, 1000)
SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', json_build_object('sub', md5('bench-user-' || :n)::uuid, 'role', 'authenticated')::text, true), set_config('request.jwt.claim.sub', md5('bench-user-' || :n)::uuid::text, true) \; INSERT INTO coach.workouts (id, log_date, workout_type, duration_minutes) VALUES (gen_random_uuid(), current_date, 'running', 30) RETURNING * \; SELECT coach.stored_day_score(current_date) AS score;
