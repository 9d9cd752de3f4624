// A row of a syncable table as the sync protocol carries it: its id, and its other columns as JSON (the table, named
// beside the row, decides which columns there are).
import { z } from '@hono/zod-openapi';
import { JsonValue } from '../_shared/validation.ts';

export const SyncRow = z
  .object({ id: z.uuid() })
  .catchall(JsonValue)
  .openapi('SyncRow', { description: 'A row of the table named beside it: id and its other columns, as JSON' });
