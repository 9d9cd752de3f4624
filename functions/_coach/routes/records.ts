// /coach/records/<dimension>[/{id}] (docs/apps/coach.md): the five dimensions' records, one set of routes per
// dimension of the dimension table. Writing one creates or updates its day log and rescores the day (SQL triggers);
// deleting leaves a tombstone the sync protocol carries.
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { jsonBody, jsonContent } from '../../_shared/http/openapi.ts';
import { userRoute } from '../../_shared/http/routes.ts';
import { ApiError } from '../../_shared/errors.ts';
import type { Tx } from '../../_shared/db.ts';
import { decodeCursor, page, PageQuery } from '../../_shared/pagination.ts';
import { type Dimension, DIMENSION_NAMES, DIMENSIONS, LocalDate, uploadFields } from '../dimensions.ts';
import { checkUpload } from '../../_files/upload-check.ts';
import { type CoachRecord, RECORD_SCHEMAS, type RecordRow, toCoachRecord } from '../records.ts';

const tags = ['coach'];

const IdParam = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

/**
 * One set of routes per dimension, from the dimension table: /coach/records/workout, /coach/records/meal, …, each
 * with its own body and record schemas, so a generated client is typed per dimension.
 */
function dimensionRoutes<const D extends Dimension>(d: D) {
  const path = `/coach/records/${d}` as const;
  const { create, update, record } = RECORD_SCHEMAS[d];
  return {
    list: userRoute({
      method: 'get',
      path,
      tags,
      summary: `The caller's ${d} records, newest day first, optionally within a date range`,
      request: { query: PageQuery.extend({ from: LocalDate.optional(), to: LocalDate.optional() }) },
      responses: {
        200: jsonContent(z.object({ items: z.array(record), next_cursor: z.string().nullable() }), 'One page'),
      },
    }),
    create: userRoute({
      method: 'post',
      path,
      tags,
      summary: `Record a ${d} (creates the day's log)`,
      request: { body: jsonBody(create) },
      responses: { 201: jsonContent(record, 'Created'), 200: jsonContent(record, 'Already created with this id') },
    }),
    get: userRoute({
      method: 'get',
      path: `${path}/{id}`,
      tags,
      summary: `One ${d} record`,
      request: { params: IdParam },
      responses: { 200: jsonContent(record, 'The record') },
    }),
    update: userRoute({
      method: 'put',
      path: `${path}/{id}`,
      tags,
      summary: `Change a ${d} record: the fields sent replace the stored ones`,
      request: { params: IdParam, body: jsonBody(update) },
      responses: { 200: jsonContent(record, 'The updated record') },
    }),
    remove: userRoute({
      method: 'delete',
      path: `${path}/{id}`,
      tags,
      summary: `Delete a ${d} record (its day is rescored)`,
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' } },
    }),
  };
}

/**
 * A create or update body as validated: the record's id and date apart from the dimension's fields, unset ones left
 * out.
 */
function splitBody(body: { id?: string; date?: string } & Record<string, unknown>) {
  const { id, date, ...rest } = body;
  return { id, date, fields: Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) };
}

/** The day's score as stored after a write (a function, so its plan is cached rather than made on every request). */
const dayScoreStatement = (tx: Tx, date: string) =>
  tx<{ score: number | null }[]>`select coach.stored_day_score(${date}::date) as score`;

/**
 * The insert of a record. With `once` (a client id) an id taken meanwhile — by a create with that id sent at the same
 * moment, committed while this one waited — makes it insert nothing and return no row instead of failing on the key.
 * The table and the columns are the dimension's own (its table, and the fields its zod schema let through); every
 * value is a parameter.
 */
function insertStatement(
  tx: Tx,
  d: Dimension,
  id: string,
  logDate: string,
  fields: Record<string, unknown>,
  once = false,
) {
  const row = { id, log_date: logDate, ...fields };
  return tx<RecordRow[]>`insert into ${tx(DIMENSIONS[d].table)} ${tx(row as never)} ${
    once ? tx`on conflict (id) do nothing` : tx``
  } returning *`;
}

/** The uploaded files the record's fields name (a meal's photo), each with the purpose it must fit. */
const uploadsNamed = (d: Dimension, fields: Record<string, unknown>) =>
  Object.entries(uploadFields(d)).flatMap(([field, purpose]) => {
    const path = fields[field];
    return typeof path === 'string' ? [{ purpose, path }] : [];
  });

/** Checks each upload as the caller's own, fitting its purpose as stored. */
async function checkUploads(tx: Tx, userId: string, uploads: ReturnType<typeof uploadsNamed>): Promise<void> {
  for (const { purpose, path } of uploads) await checkUpload(tx, purpose, 'coach', userId, path);
}

async function recordOut(tx: Tx, d: Dimension, row: RecordRow): Promise<CoachRecord> {
  const [day] = await dayScoreStatement(tx, row.log_date);
  return toCoachRecord(d, row, day?.score ?? null);
}

/** Today in the user's timezone, or the local date of an instant. */
async function localDate(tx: Tx, at?: unknown): Promise<string> {
  const [row] = await tx<{ d: string }[]>`
    select (coalesce(${
    typeof at === 'string' ? at : null
  }::timestamptz, now()) at time zone p.timezone)::date::text as d
      from public.profiles p where p.id = (select auth.uid())`;
  if (!row) throw new ApiError('NOT_FOUND', 'This user has no profile.');
  return row.d;
}

async function findRecord(tx: Tx, d: Dimension, id: string): Promise<RecordRow | undefined> {
  const [row] = await tx<RecordRow[]>`select * from ${tx(DIMENSIONS[d].table)} where id = ${id} and deleted_at is null`;
  return row;
}

const ListCursor = z.object({ log_date: z.string(), id: z.uuid() });

export function registerCoachRecordRoutes(app: HoutaiApp) {
  for (const d of DIMENSION_NAMES) registerDimension(app, d);
}

function registerDimension(app: HoutaiApp, d: Dimension) {
  const routes = dimensionRoutes(d);
  app.openapi(routes.list, async (c) => {
    const { limit, cursor, from, to } = c.req.valid('query');
    const after = decodeCursor(cursor, ListCursor);
    const result = await c.var.db.asUser(currentUser(c), async (tx) => {
      const rows = await tx<(RecordRow & { score: number | null })[]>`
        select r.*, l.score from ${tx(DIMENSIONS[d].table)} r left join coach.day_logs l on l.id = r.day_log_id
         where r.user_id = (select auth.uid()) and r.deleted_at is null
           ${from ? tx`and r.log_date >= ${from}` : tx``} ${to ? tx`and r.log_date <= ${to}` : tx``}
           ${after ? tx`and (r.log_date, r.id) < (${after.log_date}::date, ${after.id}::uuid)` : tx``}
         order by r.log_date desc, r.id desc limit ${limit + 1}`;
      return page(rows, limit, (last) => ({ log_date: last.log_date, id: last.id }));
    });
    return c.json(
      { items: result.items.map((r) => toCoachRecord(d, r, r.score)), next_cursor: result.next_cursor },
      200,
    );
  });

  app.openapi(routes.create, async (c) => {
    const body = splitBody(c.req.valid('json'));
    const fields = body.fields;
    const uploads = uploadsNamed(d, fields);
    if (!body.id && body.date && uploads.length === 0) {
      // Nothing to look up first: the insert and the day's new score go out in one flight.
      const date = body.date;
      const [[row], [day]] = await c.var.db.asUser(currentUser(c), (tx) => [
        insertStatement(tx, d, crypto.randomUUID(), date, fields),
        dayScoreStatement(tx, date),
      ]);
      return c.json(toCoachRecord(d, row, day?.score ?? null), 201);
    }
    const { status, record } = await c.var.db.asUser(currentUser(c), async (tx) => {
      // A client id makes the create idempotent: the record made with it before is the answer.
      const madeBefore = async (id: string) => {
        const existing = await findRecord(tx, d, id);
        return existing && { status: 200 as const, record: await recordOut(tx, d, existing) };
      };
      const before = body.id && (await madeBefore(body.id));
      if (before) return before;
      await checkUploads(tx, currentUser(c).sub, uploads);
      const logDate = body.date ?? (await localDate(tx, d === 'sleep' ? fields.wake_time : undefined));
      const id = body.id ?? crypto.randomUUID();
      const [row] = await insertStatement(tx, d, id, logDate, fields, Boolean(body.id));
      if (row) return { status: 201 as const, record: await recordOut(tx, d, row) };
      // Taken meanwhile: by the same create sent again at the same moment, or by a deleted record or someone else's.
      const meanwhile = await madeBefore(id);
      if (meanwhile) return meanwhile;
      throw new ApiError('CONFLICT', 'A record with these values already exists.', [{
        field: 'id',
        message: 'this id is taken: choose a new one',
      }]);
    });
    return c.json(record, status);
  });

  app.openapi(routes.get, async (c) => {
    const { id } = c.req.valid('param');
    const record = await c.var.db.asUser(currentUser(c), async (tx) => {
      const row = await findRecord(tx, d, id);
      if (!row) throw new ApiError('NOT_FOUND', `No such ${d} record.`);
      return recordOut(tx, d, row);
    });
    return c.json(record, 200);
  });

  app.openapi(routes.update, async (c) => {
    const { id } = c.req.valid('param');
    const body = splitBody(c.req.valid('json'));
    const fields = body.fields;
    const record = await c.var.db.asUser(currentUser(c), async (tx) => {
      if (!(await findRecord(tx, d, id))) throw new ApiError('NOT_FOUND', `No such ${d} record.`);
      const change = { ...fields, ...(body.date ? { log_date: body.date } : {}) };
      if (Object.keys(change).length === 0) {
        throw new ApiError('VALIDATION_FAILED', 'Send at least one field to change.');
      }
      await checkUploads(tx, currentUser(c).sub, uploadsNamed(d, fields));
      const [row] = await tx<RecordRow[]>`update ${tx(DIMENSIONS[d].table)} set ${
        tx(change as never)
      } where id = ${id} returning *`;
      return recordOut(tx, d, row);
    });
    return c.json(record, 200);
  });

  app.openapi(routes.remove, async (c) => {
    const { id } = c.req.valid('param');
    await c.var.db.asUser(currentUser(c), async (tx) => {
      const [row] = await tx`update ${
        tx(DIMENSIONS[d].table)
      } set deleted_at = now() where id = ${id} and deleted_at is null returning id`;
      if (!row) throw new ApiError('NOT_FOUND', `No such ${d} record.`);
    });
    return c.body(null, 204);
  });
}
