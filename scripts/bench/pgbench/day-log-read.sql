\set n random(1, 1000)
\set d random(0, 89)
BEGIN;
SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', json_build_object('sub', md5('bench-user-' || :n)::uuid, 'role', 'authenticated')::text, true);
SELECT coach.day_view(current_date - CAST(:d AS integer)) AS day;
COMMIT;
