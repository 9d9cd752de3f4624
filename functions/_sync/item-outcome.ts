// Batches (sync pushes, imports) answer item by item: one bad item is reported and rolled back alone, while
// the good ones beside it apply. Anything that is our fault (a 5xx) still fails the whole request.
import { z } from '@hono/zod-openapi';
import type { Tx } from '../_shared/db.ts';
import type { ErrorCode, ErrorDetail } from '../_shared/errors.ts';
import { toApiError } from '../_shared/http/create-app.ts';

export interface ItemError {
  code: ErrorCode;
  message: string;
  details: ErrorDetail[];
}

/**
 * Columns a pushed or imported row carried that the caller may not write (created_at, derived ones such as
 * day_log_id, AI output): the server left them to itself instead of refusing the row. The table's grants decide.
 */
export const IgnoredColumns = z
  .array(z.string())
  .optional()
  .openapi({ description: 'Columns of the row the server owns or derives: not written (the row shows what it holds)' });

export type ItemOutcome<T> = { ok: true; value: T } | { ok: false; error: ItemError };

/** An item that failed its schema: every issue with the field it concerns. */
export function invalidItem(error: z.ZodError): ItemError {
  return {
    code: 'VALIDATION_FAILED',
    message: 'This item is invalid.',
    details: error.issues.map((i) => ({ field: i.path.join('.') || '(root)', code: i.code, message: i.message })),
  };
}

/** Runs one item in a savepoint: a client-caused failure undoes that item only and becomes its error. */
export async function inSavepoint<T>(tx: Tx, fn: (sp: Tx) => Promise<T>): Promise<ItemOutcome<T>> {
  try {
    return { ok: true, value: (await tx.savepoint(fn)) as T };
  } catch (err) {
    const e = toApiError(err);
    if (e.status >= 500) throw err;
    return { ok: false, error: { code: e.code, message: e.message, details: e.details } };
  }
}
