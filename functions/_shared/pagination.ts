// Cursor pagination: the cursor is opaque to clients (base64url JSON of the last item's sort key).
import { z } from '@hono/zod-openapi';
import { ApiError } from './errors.ts';
import { jsonProblem } from './storable-json.ts';

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ description: 'Items per page (1–100)' }),
  cursor: z.string().max(200).optional().openapi({ description: 'next_cursor of the previous page' }),
});

export function encodeCursor(key: Record<string, string | number>): string {
  return btoa(JSON.stringify(key)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function decodeCursor<T extends z.ZodType>(cursor: string | undefined, schema: T): z.infer<T> | undefined {
  if (!cursor) return undefined;
  try {
    const key = JSON.parse(atob(cursor.replace(/-/g, '+').replace(/_/g, '/')));
    // The cursor's values go to SQL: one we did not issue may carry what the request guard refuses in plain JSON.
    if (jsonProblem(key)) throw new Error('unstorable cursor');
    return schema.parse(key);
  } catch {
    throw new ApiError('VALIDATION_FAILED', 'The cursor is not one this API issued.', [{
      field: 'cursor',
      message: 'invalid cursor',
    }]);
  }
}

/** Fetch limit + 1 rows; this returns the page and the cursor to the next one. */
export function page<T>(rows: readonly T[], limit: number, keyOf: (last: T) => Record<string, string | number>) {
  const items = rows.slice(0, limit);
  return { items, next_cursor: rows.length > limit ? encodeCursor(keyOf(items[items.length - 1])) : null };
}
