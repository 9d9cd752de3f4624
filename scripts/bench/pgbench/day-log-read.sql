-- What GET /coach/day-logs/{date} sends (db.asUser with a list, on the bench stack's direct connection,
-- DB_PREPARE=true): in one flight the transaction's opening (begin and the caller's settings), the day, a prepared
-- statement with its value bound as a parameter, and the commit. Run with -M prepared: the pipeline sends the opening
-- as prepared statements too, where the API sends it as one simple-protocol message ahead of the rest.
\set n random(1, 1000)
\set d random(0, 89)
\startpipeline
BEGIN;
SELECT set_config('role', 'authenticated', true),
       set_config('request.jwt.claims',
                  json_build_object('sub', md5('bench-user-' || :n)::uuid, 'role', 'authenticated')::text, true),
       set_config('request.jwt.claim.sub', md5('bench-user-' || :n)::uuid::text, true);
SELECT coach.day_view(current_date - CAST(:d AS integer)) AS day;
COMMIT;
\endpipeline
