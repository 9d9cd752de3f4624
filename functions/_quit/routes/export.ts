// GET /quit/export?format=json|csv: everything the caller keeps in Quit Journey, for premium users only (the app's
// entitlement from commerce: the design's premium role may "export:own"); others get 403 with the reason. CSV is
// one file with a section per table (`# checkins` and so on), UTF-8 with a byte order mark.
import { z } from '@hono/zod-openapi';
import type { HoutaiApp } from '../../_shared/http/create-app.ts';
import { currentUser } from '../../_shared/http/middleware/auth.ts';
import { aal2Route } from '../../_shared/http/routes.ts';
import { ApiError } from '../../_shared/errors.ts';
import type { Tx } from '../../_shared/db.ts';
import { JsonObject } from '../../_shared/validation.ts';
import { readEntitlement } from '../../_commerce/commerce-reads.ts';
import { csvDocument } from '../csv.ts';

/** The tables exported, in order, and how each is ordered. */
const EXPORTED = [
  { name: 'profile', table: 'quit.profiles', order: 'updated_at' },
  { name: 'settings', table: 'quit.settings', order: 'updated_at' },
  { name: 'checkins', table: 'quit.checkins', order: 'checkin_date' },
  { name: 'smoking_records', table: 'quit.smoking_records', order: 'smoked_at' },
  { name: 'achievements', table: 'quit.user_achievements', order: 'unlocked_at' },
  { name: 'notifications', table: 'quit.notifications', order: 'created_at' },
] as const;

const ExportDocument = z
  .object({
    app: z.literal('quit'),
    exported_at: z.string(),
    tables: z.object(
      Object.fromEntries(EXPORTED.map((t) => [t.name, z.array(JsonObject)])) as {
        [K in (typeof EXPORTED)[number]['name']]: z.ZodArray<typeof JsonObject>;
      },
    ),
  })
  .openapi('QuitExport');

const route = aal2Route({
  method: 'get',
  path: '/quit/export',
  tags: ['quit'],
  summary: 'Export all Quit Journey data (premium): JSON, or CSV with a section per table',
  request: { query: z.object({ format: z.enum(['json', 'csv']).default('json') }) },
  responses: {
    200: {
      description: 'The export (Content-Disposition: attachment)',
      content: {
        'application/json': { schema: ExportDocument },
        'text/csv': { schema: z.string().openapi({ description: 'UTF-8 with BOM; `# <table>` starts each section' }) },
      },
    },
  },
});

type Section = { name: string; columns: string[]; rows: Record<string, unknown>[] };

/** The caller's live rows of each exported table (RLS keeps them to the caller), without the owner column. */
async function readSections(tx: Tx): Promise<Section[]> {
  const sections: Section[] = [];
  for (const t of EXPORTED) {
    const rows = await tx<Record<string, unknown>[]>`
      select * from ${tx(t.table)} where user_id = (select auth.uid()) and deleted_at is null order by ${tx(t.order)}`;
    const columns = rows.columns.map((c) => c.name).filter((c) => c !== 'user_id');
    sections.push({ name: t.name, columns, rows: rows.map(({ user_id: _, ...r }) => r) });
  }
  return sections;
}

export function registerQuitExportRoutes(app: HoutaiApp) {
  app.openapi(route, async (c) => {
    const { format } = c.req.valid('query');
    const sections = await c.var.db.asUser(currentUser(c), async (tx) => {
      if (!(await readEntitlement(tx, 'quit'))?.is_vip) {
        throw new ApiError('FORBIDDEN', 'Exporting data is a premium feature: subscribe to Quit Journey premium.', [{
          code: 'premium_required',
          message: 'no active quit premium entitlement',
        }]);
      }
      return readSections(tx);
    });
    const exportedAt = new Date().toISOString();
    const filename = `quit-export-${exportedAt.slice(0, 10)}.${format}`;
    c.header('content-disposition', `attachment; filename="${filename}"`);
    if (format === 'csv') {
      c.header('content-type', 'text/csv; charset=utf-8');
      return c.body(csvDocument(sections), 200) as never;
    }
    const tables = Object.fromEntries(sections.map((s) => [s.name, s.rows])) as z.infer<
      typeof ExportDocument
    >['tables'];
    return c.json({ app: 'quit' as const, exported_at: exportedAt, tables }, 200);
  });
}
