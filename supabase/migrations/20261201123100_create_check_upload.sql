-- The check every user of a client-uploaded file makes before using it (emoji detect/create and the emoji job,
-- avatars, meal photos): the object exists in the caller's folder for the purpose, and what Storage stored — its
-- real size and content type in storage.objects.metadata — fits the purpose. Whatever the upload URL was issued
-- for, the bytes sent through it are what counts; the purpose's rules come from the functions
-- (functions/_shared/upload-check.ts).

create or replace function internal.check_upload(
  p_purpose text, p_bucket text, p_name text, p_folder text, p_max_bytes bigint, p_types text[]
) returns table (size bigint, content_type text)
language plpgsql
stable
security invoker
set search_path = ''
as $$
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
$$;
comment on function internal.check_upload(text, text, text, text, bigint, text[]) is
  'Checks an uploaded object before use: it exists at a name below p_folder, and its stored size and content type fit the purpose. Returns both; raises P0001 NOT_FOUND (404) or UPLOAD_INVALID (422). Security invoker: a user sees only the objects their storage policies show them.';
revoke execute on function internal.check_upload(text, text, text, text, bigint, text[]) from public;
grant execute on function internal.check_upload(text, text, text, text, bigint, text[]) to authenticated, service_role;
