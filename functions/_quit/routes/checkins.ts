// /quit/checkins: one daily check-in per user and local date (the profile's timezone). A second check-in for a date
// already checked in is 409 with the existing one, so an offline device adopts it. Writes re-evaluate achievements
// (a trigger of the schema); deleting leaves a tombstone for sync.
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { conflictBody, conflictWithExisting } from '../../_shared/http/conflict-with-existing.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { ApiError } from '../../_shared/errors.ts';
import { decodeCursor, page, PageQuery } from '../../_shared/pagination.ts';
import { LocalDate } from '../../_shared/validation.ts';
import { MOODS } from '../values.ts';
import { CheckinStats, DateRange, statsOver } from '../stats.ts';
import { localToday } from '../local-day.ts';
import { deleteOwned, findOwned, live, updateOwned } from '../owned-rows.ts';

const tags = ['quit'];
const IdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });
const DateParam = z.object({ date: LocalDate.openapi({ param: { name: 'date', in: 'path' } }) });

const Checkin = z
  .object({
    id: z.uuid(),
    checkin_date: z.string(),
    is_checked_in: z.boolean(),
    checked_in_at: z.string().nullable(),
    mood: z.enum(MOODS).nullable(),
    note: z.string().nullable(),
    updated_at: z.string(),
    version: z.string(),
  })
  .openapi('QuitCheckin');

const CheckinFields = {
  is_checked_in: z.boolean().optional(),
  checked_in_at: z.iso.datetime({ offset: true }).optional(),
  mood: z.enum(MOODS).nullable().optional(),
  note: z.string().max(1000).nullable().optional(),
};

const NewCheckin = z
  .object({
    id: z.uuid().optional().openapi({ description: 'A client id makes the create idempotent' }),
    checkin_date: LocalDate.optional().openapi({ description: "Default: today in the profile's timezone" }),
    ...CheckinFields,
  })
  .strict()
  .openapi('QuitNewCheckin');

const CheckinUpdate = z
  .object(CheckinFields)
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field')
  .openapi('QuitCheckinUpdate');

const routes = {
  list: userRoute({
    method: 'get',
    path: '/quit/checkins',
    tags,
    summary: "The caller's check-ins, newest date first, optionally within a date range",
    request: { query: PageQuery.extend({ from: LocalDate.optional(), to: LocalDate.optional() }) },
    responses: {
      200: jsonContent(z.object({ items: z.array(Checkin), next_cursor: z.string().nullable() }), 'One page'),
    },
  }),
  create: userRoute({
    method: 'post',
    path: '/quit/checkins',
    tags,
    summary: 'Check in for a local date (today by default); achievements are re-evaluated',
    request: { body: jsonBody(NewCheckin) },
    responses: {
      201: jsonContent(Checkin, 'Created'),
      200: jsonContent(Checkin, 'Already created with this id'),
      409: conflictWithExisting(
        Checkin,
        'QuitCheckinConflict',
        'CONFLICT: this date is checked in already; `existing` is that check-in',
      ),
    },
  }),
  stats: userRoute({
    method: 'get',
    path: '/quit/checkins/stats',
    tags,
    summary: 'Current and longest streak (local days), days checked in, check-in rate over a range',
    request: { query: DateRange },
    responses: { 200: jsonContent(CheckinStats, 'Statistics') },
  }),
  byDate: userRoute({
    method: 'get',
    path: '/quit/checkins/{date}',
    tags,
    summary: 'The check-in of a local date',
    request: { params: DateParam },
    responses: { 200: jsonContent(Checkin, 'The check-in') },
  }),
  update: userRoute({
    method: 'put',
    path: '/quit/checkins/{id}',
    tags,
    summary: 'Change a check-in: the fields sent replace the stored ones',
    request: { params: IdParam, body: jsonBody(CheckinUpdate) },
    responses: { 200: jsonContent(Checkin, 'The check-in') },
  }),
  remove: userRoute({
    method: 'delete',
    path: '/quit/checkins/{id}',
    tags,
    summary: 'Delete a check-in (a tombstone for sync)',
    request: { params: IdParam },
    responses: { 204: { description: 'Deleted' } },
  }),
};

type CheckinRow = Omit<z.infer<typeof Checkin>, 'version'> & { version: string | number };
const toCheckin = (
  { id, checkin_date, is_checked_in, checked_in_at, mood, note, updated_at, version }: CheckinRow,
) => ({
  id,
  checkin_date,
  is_checked_in,
  checked_in_at,
  mood,
  note,
  updated_at,
  version: String(version),
});

const ListCursor = z.object({ date: z.string(), id: z.uuid() });
const notFound = () => new ApiError('NOT_FOUND', 'No such check-in.');

export function registerQuitCheckinRoutes(app: HoutaiApp) {
  app.openapi(routes.list, async (c) => {
    const { limit, cursor, from, to } = c.req.valid('query');
    const after = decodeCursor(cursor, ListCursor);
    const result = await c.var.db.asUser(currentUser(c), async (tx) => {
      const rows = await tx<CheckinRow[]>`
        select * from quit.checkins where ${live(tx)}
           ${from ? tx`and checkin_date >= ${from}` : tx``} ${to ? tx`and checkin_date <= ${to}` : tx``}
           ${after ? tx`and (checkin_date, id) < (${after.date}::date, ${after.id}::uuid)` : tx``}
         order by checkin_date desc, id desc limit ${limit + 1}`;
      return page(rows, limit, (last) => ({ date: last.checkin_date, id: last.id }));
    });
    return c.json({ items: result.items.map(toCheckin), next_cursor: result.next_cursor }, 200);
  });

  app.openapi(routes.create, async (c) => {
    const { id, checkin_date, ...fields } = c.req.valid('json');
    const user = currentUser(c);
    const outcome = await c.var.db.asUser(user, async (tx) => {
      const rowId = id ?? crypto.randomUUID();
      const date = checkin_date ?? await localToday(tx);
      // Any unique key taken (this id, or the date among live check-ins) inserts nothing: the row holding it answers.
      const [row] = await tx<CheckinRow[]>`
        insert into quit.checkins ${
        tx({
          id: rowId,
          user_id: user.sub,
          ...fields,
          checkin_date: date,
        } as never)
      }
        on conflict do nothing returning *`;
      if (row) return { status: 201 as const, row };
      const same = await findOwned<CheckinRow>(tx, 'quit.checkins', rowId);
      if (same) return { status: 200 as const, row: same };
      const [existing] = await tx<CheckinRow[]>`
        select * from quit.checkins where ${live(tx)}
           and checkin_date = ${date}`;
      if (existing) return { status: 409 as const, row: existing };
      throw new ApiError('CONFLICT', 'This id is taken: choose a new one.', [{ field: 'id', message: 'id taken' }]);
    });
    if (outcome.status === 409) {
      const conflict = new ApiError('CONFLICT', `${outcome.row.checkin_date} is checked in already.`, [{
        field: 'checkin_date',
        code: 'already_checked_in',
        message: 'one check-in per local date: change the existing one instead',
      }]);
      return c.json(conflictBody(conflict, c.var.requestId, toCheckin(outcome.row)), 409);
    }
    return c.json(toCheckin(outcome.row), outcome.status);
  });

  app.openapi(routes.stats, async (c) => {
    return c.json(await statsOver(c.var.db, currentUser(c), 'checkin_stats', c.req.valid('query')), 200);
  });

  app.openapi(routes.byDate, async (c) => {
    const { date } = c.req.valid('param');
    const [[row]] = await c.var.db.asUser(currentUser(c), (tx) => [
      tx<CheckinRow[]>`select * from quit.checkins where ${live(tx)} and checkin_date = ${date}`,
    ]);
    if (!row) throw new ApiError('NOT_FOUND', `No check-in on ${date}.`);
    return c.json(toCheckin(row), 200);
  });

  app.openapi(routes.update, async (c) => {
    const { id } = c.req.valid('param');
    const change = c.req.valid('json');
    const row = await c.var.db.asUser(currentUser(c), (tx) => updateOwned<CheckinRow>(tx, 'quit.checkins', id, change));
    if (!row) throw notFound();
    return c.json(toCheckin(row), 200);
  });

  app.openapi(routes.remove, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await c.var.db.asUser(currentUser(c), (tx) => deleteOwned(tx, 'quit.checkins', id)))) throw notFound();
    return c.body(null, 204);
  });
}
