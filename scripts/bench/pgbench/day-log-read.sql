\set n random(1, 1000)
\set d random(0, 89)
BEGIN;
SELECT set_config('role', 'authenticated', true), set_config('request.jwt.claims', json_build_object('sub', md5('bench-user-' || :n)::uuid, 'role', 'authenticated')::text, true);
SELECT id, score, note, mood, status, ai_report, ai_plan, version::text FROM coach.day_logs WHERE user_id = (SELECT auth.uid()) AND log_date = current_date - CAST(:d AS integer) AND deleted_at IS NULL;
SELECT 'workout'::text AS dimension, to_jsonb(r) AS row, r.created_at FROM coach.workouts r WHERE r.user_id = (SELECT auth.uid()) AND r.log_date = current_date - CAST(:d AS integer) AND r.deleted_at IS NULL UNION ALL SELECT 'meal'::text, to_jsonb(r), r.created_at FROM coach.meals r WHERE r.user_id = (SELECT auth.uid()) AND r.log_date = current_date - CAST(:d AS integer) AND r.deleted_at IS NULL UNION ALL SELECT 'sleep'::text, to_jsonb(r), r.created_at FROM coach.sleeps r WHERE r.user_id = (SELECT auth.uid()) AND r.log_date = current_date - CAST(:d AS integer) AND r.deleted_at IS NULL UNION ALL SELECT 'work'::text, to_jsonb(r), r.created_at FROM coach.work_notes r WHERE r.user_id = (SELECT auth.uid()) AND r.log_date = current_date - CAST(:d AS integer) AND r.deleted_at IS NULL UNION ALL SELECT 'reading'::text, to_jsonb(r), r.created_at FROM coach.readings r WHERE r.user_id = (SELECT auth.uid()) AND r.log_date = current_date - CAST(:d AS integer) AND r.deleted_at IS NULL ORDER BY created_at, dimension;
SELECT coach.day_log_id((SELECT auth.uid()), current_date - CAST(:d AS integer)) AS id;
COMMIT;
