-- Upload buckets whose limits are their upload purposes' limits (functions/_shared/upload-purposes.ts).
--
-- A signed upload URL carries no size or type: Supabase Storage writes what is sent through it as service_role,
-- so RLS never sees it, and the only rules that hold for those bytes are the bucket's file_size_limit and
-- allowed_mime_types. `uploads` took images and audio up to 20 MB, so a URL issued for a small photo took 12 MB of
-- audio. Now `uploads` takes images up to 10 MB (avatar, diary image, meal photo and emoji source purposes) and the
-- new private bucket `audio` takes audio up to 20 MB (voice messages), laid out and guarded as `uploads` is:
--   audio  <app>/<user_id>/<kind>/<file>  private; the owner reads and writes
-- Objects already in `uploads` stay as they are; whoever uses one checks it against its purpose first
-- (internal.check_upload).

update storage.buckets
   set file_size_limit = 10 * 1024 * 1024,
       allowed_mime_types = array['image/jpeg', 'image/png', 'image/webp', 'image/heic']
 where id = 'uploads';

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types) values
  ('audio', 'audio', false, 20 * 1024 * 1024, array['audio/mpeg', 'audio/mp4', 'audio/aac', 'audio/wav', 'audio/webm', 'audio/ogg'])
on conflict (id) do update set
  public = excluded.public, file_size_limit = excluded.file_size_limit, allowed_mime_types = excluded.allowed_mime_types;

create or replace function internal.object_user_segment(p_bucket text, p_name text) returns text
language sql
immutable
set search_path = ''
as $$
  select case
    when p_bucket in ('avatars', 'exports') then (storage.foldername(p_name))[1]
    when p_bucket in ('uploads', 'audio', 'results') and (storage.foldername(p_name))[1] in ('coach', 'companion', 'quit', 'diary', 'pickitchen')
      then (storage.foldername(p_name))[2]
  end
$$;
comment on function internal.object_user_segment(text, text) is
  'The path segment naming an object''s owner: the first folder in avatars/exports, the second (after a known app id) in uploads/audio/results. Null for paths that fit no layout.';

-- audio: the owner reads and writes
create policy "users can read own audio" on storage.objects
  for select to authenticated
  using (bucket_id = 'audio' and internal.object_user_segment(bucket_id, name) = (select auth.uid())::text);
create policy "users can add own audio" on storage.objects
  for insert to authenticated
  with check (bucket_id = 'audio' and internal.object_user_segment(bucket_id, name) = (select auth.uid())::text);
create policy "users can replace own audio" on storage.objects
  for update to authenticated
  using (bucket_id = 'audio' and internal.object_user_segment(bucket_id, name) = (select auth.uid())::text)
  with check (bucket_id = 'audio' and internal.object_user_segment(bucket_id, name) = (select auth.uid())::text);
create policy "users can delete own audio" on storage.objects
  for delete to authenticated
  using (bucket_id = 'audio' and internal.object_user_segment(bucket_id, name) = (select auth.uid())::text);
