\set n random(1, 1000)
BEGIN;
SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', json_build_object('sub', md5('bench-user-' || :n)::uuid, 'role', 'authenticated')::text, true);
INSERT INTO coach.workouts (id, log_date, workout_type, duration_minutes, intensity) VALUES (gen_random_uuid(), current_date, 'running', 30, 'medium') RETURNING *;
SELECT score FROM coach.day_logs WHERE user_id = (SELECT auth.uid()) AND log_date = current_date;
COMMIT;
