-- Storage buckets and who may touch which objects. Paths carry their owner, so policies read it from the
-- first segments (storage.foldername):
--   avatars  <user_id>/<file>              public read; the owner writes
--   uploads  <app>/<user_id>/<kind>/<file>  private; user-owned inputs (diary images, PicKitchen photos, audio)
--   results  <app>/<user_id>/<kind>/<file>  private; generated outputs, written by the backend, read by their owner
--   exports  <user_id>/<file>              private; account exports, written by the backend, handed out as signed URLs only
-- Limits per bucket; finer per-purpose limits are enforced by the files API before it signs an upload.

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types) values
  ('avatars', 'avatars', true, 10 * 1024 * 1024, array['image/jpeg', 'image/png', 'image/webp', 'image/heic']),
  ('uploads', 'uploads', false, 20 * 1024 * 1024,
   array['image/jpeg', 'image/png', 'image/webp', 'image/heic', 'audio/mpeg', 'audio/mp4', 'audio/aac', 'audio/wav', 'audio/webm', 'audio/ogg']),
  ('results', 'results', false, 100 * 1024 * 1024,
   array['video/mp4', 'image/gif', 'image/jpeg', 'image/png', 'image/webp', 'audio/mpeg', 'audio/mp4', 'application/json']),
  ('exports', 'exports', false, 100 * 1024 * 1024, array['application/zip', 'application/json'])
on conflict (id) do update set
  public = excluded.public, file_size_limit = excluded.file_size_limit, allowed_mime_types = excluded.allowed_mime_types;

-- The owner's id as it appears in paths, and the app segment: helpers keep the policies short and identical.
create or replace function internal.object_user_segment(p_bucket text, p_name text) returns text
language sql
immutable
set search_path = ''
as $$
  select case
    when p_bucket in ('avatars', 'exports') then (storage.foldername(p_name))[1]
    when p_bucket in ('uploads', 'results') and (storage.foldername(p_name))[1] in ('coach', 'companion', 'quit', 'diary', 'pickitchen')
      then (storage.foldername(p_name))[2]
  end
$$;
comment on function internal.object_user_segment(text, text) is
  'The path segment naming an object''s owner: the first folder in avatars/exports, the second (after a known app id) in uploads/results. Null for paths that fit no layout.';
grant execute on function internal.object_user_segment(text, text) to anon, authenticated, service_role;
grant usage on schema internal to authenticated, anon;

-- avatars: anyone reads, the owner writes
create policy "anyone can read avatars" on storage.objects
  for select to anon using (bucket_id = 'avatars');
create policy "users can read avatars" on storage.objects
  for select to authenticated using (bucket_id = 'avatars');
create policy "users can upload own avatars" on storage.objects
  for insert to authenticated
  with check (bucket_id = 'avatars' and internal.object_user_segment(bucket_id, name) = (select auth.uid())::text);
create policy "users can replace own avatars" on storage.objects
  for update to authenticated
  using (bucket_id = 'avatars' and internal.object_user_segment(bucket_id, name) = (select auth.uid())::text)
  with check (bucket_id = 'avatars' and internal.object_user_segment(bucket_id, name) = (select auth.uid())::text);
create policy "users can delete own avatars" on storage.objects
  for delete to authenticated
  using (bucket_id = 'avatars' and internal.object_user_segment(bucket_id, name) = (select auth.uid())::text);

-- uploads: the owner reads and writes
create policy "users can read own uploads" on storage.objects
  for select to authenticated
  using (bucket_id = 'uploads' and internal.object_user_segment(bucket_id, name) = (select auth.uid())::text);
create policy "users can add own uploads" on storage.objects
  for insert to authenticated
  with check (bucket_id = 'uploads' and internal.object_user_segment(bucket_id, name) = (select auth.uid())::text);
create policy "users can replace own uploads" on storage.objects
  for update to authenticated
  using (bucket_id = 'uploads' and internal.object_user_segment(bucket_id, name) = (select auth.uid())::text)
  with check (bucket_id = 'uploads' and internal.object_user_segment(bucket_id, name) = (select auth.uid())::text);
create policy "users can delete own uploads" on storage.objects
  for delete to authenticated
  using (bucket_id = 'uploads' and internal.object_user_segment(bucket_id, name) = (select auth.uid())::text);

-- results: the owner reads; only the backend (service_role, which bypasses RLS) writes
create policy "users can read own results" on storage.objects
  for select to authenticated
  using (bucket_id = 'results' and internal.object_user_segment(bucket_id, name) = (select auth.uid())::text);

-- exports: no client policy at all; the API hands the owner a signed URL.
