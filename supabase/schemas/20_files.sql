-- Files: who may read and write which storage object (policies on storage.objects) and the upload check the API
-- calls before it signs an upload.
--
-- The current definition of this feature's objects (declarative schema). Edit here, then run
-- `npm run db:diff -- <name>` to write the migration that brings a database to this text.

-- As pg_dump writes: names fully qualified, function bodies checked when called (a body may name a later file's objects).
select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create function internal.check_upload(p_purpose text, p_bucket text, p_name text, p_folder text, p_max_bytes bigint, p_types text[]) returns table(size bigint, content_type text)
    language plpgsql stable
    set search_path to ''
    as $_$
declare
  v_metadata jsonb;
begin
  -- Only a name the server could have chosen: below the folder, no empty or dot segment.
  if starts_with(p_name, p_folder) and p_name !~ '(^|/)\.{0,2}(/|$)' then
    select o.metadata into v_metadata from storage.objects o where o.bucket_id = p_bucket and o.name = p_name;
  end if;
  if v_metadata is null then
    raise exception using errcode = 'P0001', message = 'NOT_FOUND',
      detail = format('No uploaded %s file at %s: upload it first.', p_purpose, p_name);
  end if;
  size := (v_metadata ->> 'size')::bigint;
  content_type := v_metadata ->> 'mimetype';
  if size is null or content_type is null or not (content_type = any (p_types)) or size not between 1 and p_max_bytes then
    raise exception using errcode = 'P0001', message = 'UPLOAD_INVALID',
      detail = format('The file at %s is %s of %s bytes; a %s file must be one of %s, 1 to %s bytes.',
                      p_name, coalesce(content_type, 'of unknown type'), coalesce(size::text, 'unknown'), p_purpose,
                      array_to_string(p_types, ', '), p_max_bytes);
  end if;
  return next;
end
$_$;

comment on function internal.check_upload(p_purpose text, p_bucket text, p_name text, p_folder text, p_max_bytes bigint, p_types text[]) is 'Checks an uploaded object before use: it exists at a name below p_folder, and its stored size and content type fit the purpose. Returns both; raises P0001 NOT_FOUND (404) or UPLOAD_INVALID (422). Security invoker: a user sees only the objects their storage policies show them.';

revoke all on function internal.check_upload(p_purpose text, p_bucket text, p_name text, p_folder text, p_max_bytes bigint, p_types text[]) from public;
grant all on function internal.check_upload(p_purpose text, p_bucket text, p_name text, p_folder text, p_max_bytes bigint, p_types text[]) to authenticated;
grant all on function internal.check_upload(p_purpose text, p_bucket text, p_name text, p_folder text, p_max_bytes bigint, p_types text[]) to service_role;

create function internal.object_user_segment(p_bucket text, p_name text) returns text
    language sql immutable
    set search_path to ''
    as $$
  select case
    when p_bucket in ('avatars', 'exports') then (storage.foldername(p_name))[1]
    when p_bucket in ('uploads', 'audio', 'results') and (storage.foldername(p_name))[1] in ('coach', 'companion', 'quit', 'diary', 'pickitchen')
      then (storage.foldername(p_name))[2]
  end
$$;

comment on function internal.object_user_segment(p_bucket text, p_name text) is 'The path segment naming an object''s owner: the first folder in avatars/exports, the second (after a known app id) in uploads/audio/results. Null for paths that fit no layout.';

grant all on function internal.object_user_segment(p_bucket text, p_name text) to anon;
grant all on function internal.object_user_segment(p_bucket text, p_name text) to authenticated;
grant all on function internal.object_user_segment(p_bucket text, p_name text) to service_role;

create policy "anyone can read avatars" on storage.objects for select to anon using ((bucket_id = 'avatars'::text));

create policy "users can add own audio" on storage.objects for insert to authenticated with check (((bucket_id = 'audio'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can add own uploads" on storage.objects for insert to authenticated with check (((bucket_id = 'uploads'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can delete own audio" on storage.objects for delete to authenticated using (((bucket_id = 'audio'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can delete own avatars" on storage.objects for delete to authenticated using (((bucket_id = 'avatars'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can delete own uploads" on storage.objects for delete to authenticated using (((bucket_id = 'uploads'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can read avatars" on storage.objects for select to authenticated using ((bucket_id = 'avatars'::text));

create policy "users can read own audio" on storage.objects for select to authenticated using (((bucket_id = 'audio'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can read own results" on storage.objects for select to authenticated using (((bucket_id = 'results'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can read own uploads" on storage.objects for select to authenticated using (((bucket_id = 'uploads'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can replace own audio" on storage.objects for update to authenticated using (((bucket_id = 'audio'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text))) with check (((bucket_id = 'audio'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can replace own avatars" on storage.objects for update to authenticated using (((bucket_id = 'avatars'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text))) with check (((bucket_id = 'avatars'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can replace own uploads" on storage.objects for update to authenticated using (((bucket_id = 'uploads'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text))) with check (((bucket_id = 'uploads'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));

create policy "users can upload own avatars" on storage.objects for insert to authenticated with check (((bucket_id = 'avatars'::text) and (internal.object_user_segment(bucket_id, name) = (( select auth.uid() as uid))::text)));
