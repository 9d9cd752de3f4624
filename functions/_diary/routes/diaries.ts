// /diary/diary[/{id}] (docs/apps/diary.md): the caller's diaries, one per local date. Writing one recomputes the
// profile's totals and streak and may earn points (SQL triggers); deleting leaves a tombstone the sync protocol
// carries. Images must be the caller's own diary_image uploads, checked as stored (by the table's trigger).
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { errorContent, jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { conflictBody, conflictWithExisting } from '../../_shared/http/conflict-with-existing.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { ApiError } from '../../_shared/errors.ts';
import type { Tx } from '../../_shared/db.ts';
import { decodeCursor, page, PageQuery } from '../../_shared/pagination.ts';
import { Diary, diaryColumns, DiaryCreate, type DiaryRow, DiaryUpdate, toDiary } from '../diaries.ts';

const tags = ['diary'];
const IdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });
const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/).openapi({ example: '2026-11', description: 'YYYY-MM' });
const ListCursor = z.object({ entry_date: z.string(), id: z.uuid() });
const DiaryPage = z.object({ items: z.array(Diary), next_cursor: z.string().nullable() }).openapi('DiaryPage');
const dateTaken = conflictWithExisting(
  Diary,
  'DiaryDateTaken',
  'CONFLICT: a diary exists for this date; `existing` is that diary (details[0].id names it too)',
);

const routes = {
  list: userRoute({
    method: 'get',
    path: '/diary/diary',
    tags,
    summary: "The caller's diaries, newest date first, optionally of one month (drafts included)",
    request: { query: PageQuery.extend({ month: Month.optional() }) },
    responses: { 200: jsonContent(DiaryPage, 'One page') },
  }),
  create: userRoute({
    method: 'post',
    path: '/diary/diary',
    tags,
    summary: 'Write the diary of a date (one per date)',
    request: { body: jsonBody(DiaryCreate) },
    responses: {
      201: jsonContent(Diary, 'Created'),
      200: jsonContent(Diary, 'Already created with this id'),
      409: dateTaken,
      422: errorContent('UPLOAD_INVALID: an image is not a diary image as stored (404: not your upload)'),
    },
  }),
  get: userRoute({
    method: 'get',
    path: '/diary/diary/{id}',
    tags,
    summary: 'One diary',
    request: { params: IdParam },
    responses: { 200: jsonContent(Diary, 'The diary') },
  }),
  update: userRoute({
    method: 'put',
    path: '/diary/diary/{id}',
    tags,
    summary: 'Change a diary: the fields sent replace the stored ones',
    request: { params: IdParam, body: jsonBody(DiaryUpdate) },
    responses: { 200: jsonContent(Diary, 'The updated diary'), 409: dateTaken },
  }),
  remove: userRoute({
    method: 'delete',
    path: '/diary/diary/{id}',
    tags,
    summary: 'Delete a diary (totals and streak are recomputed)',
    request: { params: IdParam },
    responses: { 204: { description: 'Deleted' } },
  }),
};

async function findDiary(tx: Tx, id: string): Promise<DiaryRow | undefined> {
  const [row] = await tx<DiaryRow[]>`select * from diary.diaries where id = ${id} and deleted_at is null`;
  return row;
}

/** The caller's live diary of a date other than `except`: what a write to that date meets (409 with it). */
async function diaryOfDate(tx: Tx, date: string, except?: string): Promise<DiaryRow | undefined> {
  const [taken] = await tx<DiaryRow[]>`
    select * from diary.diaries
     where user_id = (select auth.uid()) and entry_date = ${date} and deleted_at is null
       ${except ? tx`and id <> ${except}` : tx``}`;
  return taken;
}

/** The 409 body for a date taken by `taken`: the error naming it, and the diary itself as `existing`. */
function dateTakenBody(taken: DiaryRow, requestId: string) {
  const err = new ApiError('CONFLICT', `There is already a diary for ${taken.entry_date}: change that one instead.`, [{
    field: 'date',
    code: 'diary_exists',
    message: 'a diary exists for this date',
    id: taken.id,
  }]);
  return conflictBody(err, requestId, toDiary(taken));
}

export function registerDiaryRoutes(app: HoutaiApp) {
  app.openapi(routes.list, async (c) => {
    const { limit, cursor, month } = c.req.valid('query');
    const after = decodeCursor(cursor, ListCursor);
    const result = await c.var.db.asUser(currentUser(c), async (tx) => {
      const rows = await tx<DiaryRow[]>`
        select * from diary.diaries
         where user_id = (select auth.uid()) and deleted_at is null
           ${
        month
          ? tx`and entry_date >= ${`${month}-01`}::date and entry_date < ${`${month}-01`}::date + interval '1 month'`
          : tx``
      }
           ${after ? tx`and (entry_date, id) < (${after.entry_date}::date, ${after.id}::uuid)` : tx``}
         order by entry_date desc, id desc limit ${limit + 1}`;
      return page(rows, limit, (last) => ({ entry_date: last.entry_date, id: last.id }));
    });
    return c.json({ items: result.items.map(toDiary), next_cursor: result.next_cursor }, 200);
  });

  app.openapi(routes.create, async (c) => {
    const body = c.req.valid('json');
    const user = currentUser(c);
    const { status, row } = await c.var.db.asUser(user, async (tx) => {
      // A client id makes the create idempotent: the diary made with it before is the answer.
      const before = body.id ? await findDiary(tx, body.id) : undefined;
      if (before) return { status: 200 as const, row: before };
      const columns = diaryColumns(body);
      const taken = await diaryOfDate(tx, body.date);
      if (taken) return { status: 409 as const, row: taken };
      const row = { id: body.id ?? crypto.randomUUID(), ...columns };
      // A key taken meanwhile (the same create sent twice at once, or the date written by another request) inserts
      // nothing: the checks above, made again, name what took it.
      const [created] = await tx<DiaryRow[]>`
        insert into diary.diaries ${tx(row as never)} on conflict do nothing returning *`;
      if (created) return { status: 201 as const, row: created };
      const meanwhile = await findDiary(tx, row.id);
      if (meanwhile) return { status: 200 as const, row: meanwhile };
      const takenMeanwhile = await diaryOfDate(tx, body.date);
      if (takenMeanwhile) return { status: 409 as const, row: takenMeanwhile };
      throw new ApiError('CONFLICT', 'This id is taken: choose a new one.', [{ field: 'id', message: 'id taken' }]);
    });
    if (status === 409) return c.json(dateTakenBody(row, c.var.requestId), 409);
    return c.json(toDiary(row), status);
  });

  app.openapi(routes.get, async (c) => {
    const { id } = c.req.valid('param');
    const row = await c.var.db.asUser(currentUser(c), (tx) => findDiary(tx, id));
    if (!row) throw new ApiError('NOT_FOUND', 'No such diary.');
    return c.json(toDiary(row), 200);
  });

  app.openapi(routes.update, async (c) => {
    const { id } = c.req.valid('param');
    const body = c.req.valid('json');
    const columns = diaryColumns(body);
    const { status, row } = await c.var.db.asUser(currentUser(c), async (tx) => {
      if (!(await findDiary(tx, id))) throw new ApiError('NOT_FOUND', 'No such diary.');
      const taken = typeof columns.entry_date === 'string' ? await diaryOfDate(tx, columns.entry_date, id) : undefined;
      if (taken) return { status: 409 as const, row: taken };
      if (Object.keys(columns).length > 0) {
        await tx`update diary.diaries set ${tx(columns as never)} where id = ${id}`;
      }
      if (body.ai_image_path !== undefined) {
        await tx`select diary.attach_ai_image(${id}, ${body.ai_image_path})`;
      }
      return { status: 200 as const, row: (await findDiary(tx, id))! };
    });
    if (status === 409) return c.json(dateTakenBody(row, c.var.requestId), 409);
    return c.json(toDiary(row), 200);
  });

  app.openapi(routes.remove, async (c) => {
    const { id } = c.req.valid('param');
    await c.var.db.asUser(currentUser(c), async (tx) => {
      const [row] = await tx`
        update diary.diaries set deleted_at = now() where id = ${id} and deleted_at is null returning id`;
      if (!row) throw new ApiError('NOT_FOUND', 'No such diary.');
    });
    return c.body(null, 204);
  });
}
