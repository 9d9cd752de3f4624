// /quit/smoking-records: cigarettes smoked (a lapse after quitting, or history before it), with trigger tags. Append
// mostly: a client id makes a create idempotent; writes re-evaluate achievements (a trigger of the schema);
// deleting leaves a tombstone for sync.
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { ApiError } from '../../_shared/errors.ts';
import { decodeCursor, page, PageQuery } from '../../_shared/pagination.ts';
import { JsonObject, partialWithoutDefaults } from '../../_shared/validation.ts';
import { TriggerTags } from '../values.ts';
import { DateRange, SmokingStats, statsOver } from '../stats.ts';
import { deleteOwned, findOwned, live, updateOwned } from '../owned-rows.ts';

const tags = ['quit'];
const IdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

const SmokingRecord = z
  .object({
    id: z.uuid(),
    smoked_at: z.string(),
    cigarettes_smoked: z.number().int(),
    trigger_tags: z.array(z.string()),
    note: z.string().nullable(),
    location: JsonObject.nullable(),
    updated_at: z.string(),
    version: z.string(),
  })
  .openapi('QuitSmokingRecord');

const RecordFields = {
  smoked_at: z.iso.datetime({ offset: true }),
  cigarettes_smoked: z.number().int().min(1, 'at least 1').max(100),
  trigger_tags: TriggerTags,
  note: z.string().max(1000).nullable(),
  location: JsonObject.nullable().openapi({ example: { name: 'office', lat: 31.23, lng: 121.47 } }),
};

const NewRecord = z
  .object({
    id: z.uuid().optional().openapi({ description: 'A client id makes the create idempotent' }),
    smoked_at: RecordFields.smoked_at,
    cigarettes_smoked: RecordFields.cigarettes_smoked,
    trigger_tags: TriggerTags.optional(),
    note: RecordFields.note.optional(),
    location: RecordFields.location.optional(),
  })
  .strict()
  .openapi('QuitNewSmokingRecord');

const RecordUpdate = partialWithoutDefaults(RecordFields)
  .strict()
  .refine((b) => Object.keys(b).length > 0, 'send at least one field')
  .openapi('QuitSmokingRecordUpdate');

const routes = {
  list: userRoute({
    method: 'get',
    path: '/quit/smoking-records',
    tags,
    summary: "The caller's smoking records, newest first, optionally between two moments",
    request: {
      query: PageQuery.extend({
        from: z.iso.datetime({ offset: true }).optional(),
        to: z.iso.datetime({ offset: true }).optional(),
      }),
    },
    responses: {
      200: jsonContent(z.object({ items: z.array(SmokingRecord), next_cursor: z.string().nullable() }), 'One page'),
    },
  }),
  create: userRoute({
    method: 'post',
    path: '/quit/smoking-records',
    tags,
    summary: 'Record cigarettes smoked; achievements are re-evaluated',
    request: { body: jsonBody(NewRecord) },
    responses: { 201: jsonContent(SmokingRecord, 'Created'), 200: jsonContent(SmokingRecord, 'Already created') },
  }),
  stats: userRoute({
    method: 'get',
    path: '/quit/smoking-records/stats',
    tags,
    summary: 'Per local day, per ISO week, by trigger tag, by local hour of day, and totals, over a range',
    request: { query: DateRange },
    responses: { 200: jsonContent(SmokingStats, 'Statistics') },
  }),
  get: userRoute({
    method: 'get',
    path: '/quit/smoking-records/{id}',
    tags,
    summary: 'One smoking record',
    request: { params: IdParam },
    responses: { 200: jsonContent(SmokingRecord, 'The record') },
  }),
  update: userRoute({
    method: 'put',
    path: '/quit/smoking-records/{id}',
    tags,
    summary: 'Change a smoking record: the fields sent replace the stored ones',
    request: { params: IdParam, body: jsonBody(RecordUpdate) },
    responses: { 200: jsonContent(SmokingRecord, 'The record') },
  }),
  remove: userRoute({
    method: 'delete',
    path: '/quit/smoking-records/{id}',
    tags,
    summary: 'Delete a smoking record (a tombstone for sync)',
    request: { params: IdParam },
    responses: { 204: { description: 'Deleted' } },
  }),
};

type RecordRow = Omit<z.infer<typeof SmokingRecord>, 'version'> & { version: string | number };
const toRecord = (
  { id, smoked_at, cigarettes_smoked, trigger_tags, note, location, updated_at, version }: RecordRow,
) => ({ id, smoked_at, cigarettes_smoked, trigger_tags, note, location, updated_at, version: String(version) });

const ListCursor = z.object({ at: z.string(), id: z.uuid() });
const notFound = () => new ApiError('NOT_FOUND', 'No such smoking record.');

export function registerQuitSmokingRecordRoutes(app: HoutaiApp) {
  app.openapi(routes.list, async (c) => {
    const { limit, cursor, from, to } = c.req.valid('query');
    const after = decodeCursor(cursor, ListCursor);
    const result = await c.var.db.asUser(currentUser(c), async (tx) => {
      const rows = await tx<(RecordRow & { at: string })[]>`
        select *, to_char(smoked_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at
          from quit.smoking_records where ${live(tx)}
           ${from ? tx`and smoked_at >= ${from}` : tx``} ${to ? tx`and smoked_at < ${to}` : tx``}
           ${after ? tx`and (smoked_at, id) < (${after.at}::timestamptz, ${after.id}::uuid)` : tx``}
         order by smoked_at desc, id desc limit ${limit + 1}`;
      return page(rows, limit, (last) => ({ at: last.at, id: last.id }));
    });
    return c.json({ items: result.items.map(toRecord), next_cursor: result.next_cursor }, 200);
  });

  app.openapi(routes.create, async (c) => {
    const { id, ...fields } = c.req.valid('json');
    const user = currentUser(c);
    const outcome = await c.var.db.asUser(user, async (tx) => {
      const rowId = id ?? crypto.randomUUID();
      const [row] = await tx<RecordRow[]>`
        insert into quit.smoking_records ${tx({ id: rowId, user_id: user.sub, ...fields } as never)}
        on conflict (id) do nothing returning *`;
      if (row) return { status: 201 as const, row };
      // Taken: by this same create sent before (its answer again), or by a deleted or someone else's record.
      const same = await findOwned<RecordRow>(tx, 'quit.smoking_records', rowId);
      if (same) return { status: 200 as const, row: same };
      throw new ApiError('CONFLICT', 'This id is taken: choose a new one.', [{ field: 'id', message: 'id taken' }]);
    });
    return c.json(toRecord(outcome.row), outcome.status);
  });

  app.openapi(routes.stats, async (c) => {
    return c.json(await statsOver(c.var.db, currentUser(c), 'smoking_stats', c.req.valid('query')), 200);
  });

  app.openapi(routes.get, async (c) => {
    const { id } = c.req.valid('param');
    const row = await c.var.db.asUser(currentUser(c), (tx) => findOwned<RecordRow>(tx, 'quit.smoking_records', id));
    if (!row) throw notFound();
    return c.json(toRecord(row), 200);
  });

  app.openapi(routes.update, async (c) => {
    const { id } = c.req.valid('param');
    const change = c.req.valid('json');
    const row = await c.var.db.asUser(
      currentUser(c),
      (tx) => updateOwned<RecordRow>(tx, 'quit.smoking_records', id, change),
    );
    if (!row) throw notFound();
    return c.json(toRecord(row), 200);
  });

  app.openapi(routes.remove, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await c.var.db.asUser(currentUser(c), (tx) => deleteOwned(tx, 'quit.smoking_records', id)))) {
      throw notFound();
    }
    return c.body(null, 204);
  });
}
