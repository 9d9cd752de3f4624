// The check whoever uses a client-uploaded file makes first (emoji detect, create and job; avatars; meal photos).
// What was sent through an upload URL need not be what the URL was asked for, and Supabase Storage holds a signed
// upload only to its bucket's limits; so before use, the stored object's real size and content type
// (storage.objects.metadata) are held against the purpose. The check is SQL (internal.check_upload) so that it can
// travel in the same flight and transaction as the work it guards.
import type { AppId } from '../_shared/apps.ts';
import type { Db, Tx } from '../_shared/db.ts';
import { type ApiError, fromPostgresError } from '../_shared/errors.ts';
import { UPLOAD_PURPOSES, uploadFolder, type UploadPurposeName } from './upload-purposes.ts';

export interface UploadedFile {
  size: number;
  content_type: string;
}

/**
 * The statement checking `path` as this user's upload for the purpose, written on `tx` (await it, or put it in a list).
 * It answers the file's size and type, or fails with P0001 NOT_FOUND (404: missing, or not in the user's folder for
 * the purpose) or UPLOAD_INVALID (422).
 */
export function checkUpload(tx: Tx, purposeName: UploadPurposeName, app: AppId, userId: string, path: string) {
  const purpose = UPLOAD_PURPOSES[purposeName];
  // The size is at most maxBytes once the check passed, so it fits an integer. The types travel as one string (no
  // type holds a comma), a value db.ts can write as a literal, so a list with this check can go as one message.
  return tx<UploadedFile[]>`
    select size::integer as size, content_type
      from internal.check_upload(${purposeName}, ${purpose.bucket}, ${path}, ${
    uploadFolder(purpose, app, userId)
  }, ${purpose.maxBytes}, string_to_array(${Object.keys(purpose.types).join(',')}, ','))`;
}

/** The same check for work outside a request (the worker): the refusal, or undefined when the file may be used. */
export async function uploadRefusal(
  db: Db,
  purposeName: UploadPurposeName,
  app: AppId,
  userId: string,
  path: string,
): Promise<ApiError | undefined> {
  try {
    await db.asService((tx) => [checkUpload(tx, purposeName, app, userId, path)]);
    return undefined;
  } catch (err) {
    const refusal = fromPostgresError(err);
    if (!refusal) throw err;
    return refusal;
  }
}
