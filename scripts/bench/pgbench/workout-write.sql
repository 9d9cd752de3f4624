-- What POST /coach/records/workout (with a date) sends (db.asUser with a list, on the bench stack's direct
-- connection, DB_PREPARE=true): in one flight the transaction's opening (begin and the caller's settings), the insert
-- (its triggers link and rescore the day), the day's new score, and the commit; the statements prepared, their values
-- bound as parameters. Run with -M prepared: the pipeline sends the opening as prepared statements too, where the API
-- sends it as one simple-protocol message ahead of the rest.
\set n random(1, 1000)
\startpipeline
BEGIN;
SELECT set_config('role', 'authenticated', true),
       set_config('request.jwt.claims',
                  json_build_object('sub', md5('bench-user-' || :n)::uuid, 'role', 'authenticated')::text, true),
       set_config('request.jwt.claim.sub', md5('bench-user-' || :n)::uuid::text, true);
INSERT INTO coach.workouts (id, log_date, workout_type, duration_minutes)
     VALUES (gen_random_uuid(), current_date, 'running', 30) RETURNING *;
SELECT coach.stored_day_score(current_date) AS score;
COMMIT;
\endpipeline
