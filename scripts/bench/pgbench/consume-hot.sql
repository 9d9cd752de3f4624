BEGIN;
SELECT set_config('role', 'service_role', true);
SELECT * FROM public.wallet_post('pickitchen', md5('bench-user-1')::uuid, 'points', -1, 'consume', 'bench consume', 'bench-consume-' || gen_random_uuid());
COMMIT;
