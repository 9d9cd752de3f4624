-- Growth Diary's SQL for its API (issue 23): diary.apply_ai_result(), fired when a diary AI task completes, writes
-- the comment to the diary's ai_comment and a diary's picture to its ai_image_path; diary.attach_ai_image() lets a
-- user attach one of their own finished pictures to one of their diaries; diary.import_own_opening_balance() lets the
-- wx-storage import (which runs as the user) post the caller's opening balance.
--
-- Why: ai_comment and ai_image_path are the server's columns (clients have no grant on them), and AI tasks are
-- finished by the worker through internal.ai_task_finish(): a trigger on public.ai_tasks, as coach.apply_ai_result()
-- does for Daily Coach, writes the result in the transaction that finishes the task. diary.import_opening_balance()
-- is the service role's; the wrapper names only the caller's own account.

select pg_catalog.set_config('search_path', '', false);
set check_function_bodies = false;

create function diary.apply_ai_result() returns trigger
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  -- A blocked answer (moderation) leaves the diary as it was: the safe replacement is for the task's reader only.
  if coalesce((new.result ->> 'blocked')::boolean, false) or new.input ->> 'diary_id' is null then
    return null;
  end if;
  if new.kind = 'diary.comment' then
    update diary.diaries set ai_comment = left(new.result ->> 'content', 2000)
     where id = (new.input ->> 'diary_id')::uuid and user_id = new.user_id and deleted_at is null;
  elsif new.kind = 'diary.image' and new.result ->> 'image_path' is not null then
    update diary.diaries set ai_image_path = new.result ->> 'image_path'
     where id = (new.input ->> 'diary_id')::uuid and user_id = new.user_id and deleted_at is null;
  end if;
  return null;
end
$$;

comment on function diary.apply_ai_result() is 'When a diary AI task of a diary completes: the comment goes to the diary''s ai_comment, the picture to its ai_image_path (a moderated-away answer changes nothing). Security definer: clients cannot write those columns.';

revoke all on function diary.apply_ai_result() from public;

create function diary.attach_ai_image(p_diary_id uuid, p_path text) returns void
    language plpgsql security definer
    set search_path to ''
    as $$
declare
  v_user uuid := auth.uid();
begin
  if not exists (select 1 from diary.diaries d where d.id = p_diary_id and d.user_id = v_user and d.deleted_at is null) then
    raise exception using errcode = 'P0001', message = 'NOT_FOUND', detail = 'No such diary.';
  end if;
  if p_path is not null and not exists (
    select 1 from public.ai_tasks t
     where t.user_id = v_user and t.app_id = 'diary' and t.kind = 'diary.image' and t.status = 'completed'
       and t.result ->> 'image_path' = p_path) then
    raise exception using errcode = 'P0001', message = 'NOT_FOUND', detail = 'No finished AI picture of yours has this path.';
  end if;
  update diary.diaries set ai_image_path = p_path where id = p_diary_id and user_id = v_user;
end
$$;

comment on function diary.attach_ai_image(p_diary_id uuid, p_path text) is 'Attaches to one of the caller''s diaries the picture of one of their finished diary.image AI tasks (null detaches it). Security definer: ai_image_path is the server''s column, written only with a picture the caller was made.';

revoke all on function diary.attach_ai_image(p_diary_id uuid, p_path text) from public;
grant all on function diary.attach_ai_image(p_diary_id uuid, p_path text) to authenticated;
grant all on function diary.attach_ai_image(p_diary_id uuid, p_path text) to service_role;

create trigger diary_apply_ai_result after update of status on public.ai_tasks for each row when (((new.app_id = 'diary'::public.app_id) and (new.status = 'completed'::text) and (old.status <> 'completed'::text))) execute function diary.apply_ai_result();

create function diary.import_own_opening_balance(p_points bigint) returns jsonb
    language plpgsql security definer
    set search_path to ''
    as $$
begin
  if auth.uid() is null then
    raise exception using errcode = '42501', message = 'an opening balance is imported by its signed-in owner';
  end if;
  return diary.import_opening_balance(auth.uid(), p_points);
end
$$;

comment on function diary.import_own_opening_balance(p_points bigint) is 'diary.import_opening_balance() for the caller (auth.uid()), so the wx-storage import, which runs as the user, can post it in its own transaction. Security definer: the ledger is the server''s; the caller can only name their own account.';

revoke all on function diary.import_own_opening_balance(p_points bigint) from public;
grant all on function diary.import_own_opening_balance(p_points bigint) to authenticated;
grant all on function diary.import_own_opening_balance(p_points bigint) to service_role;
