\set n random(1, 1000)
BEGIN;
SELECT set_config('role', 'service_role', true);
SELECT * FROM public.wallet_post('pickitchen', md5('bench-user-' || :n)::uuid, 'points', -1, 'consume', 'bench consume', 'bench-consume-' || gen_random_uuid());
COMMIT;
