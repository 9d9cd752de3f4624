// The caller's live rows of a Quit Journey table (RLS keeps other users' rows out of sight, so theirs read as
// missing: 404): find, change and delete by id, the same way for check-ins and smoking records. Deleting leaves a
// tombstone (deleted_at) that sync carries to the other devices.
import type { Tx } from '../_shared/db.ts';

export type OwnedTable = 'quit.checkins' | 'quit.smoking_records';

/** The condition for the caller's live rows. */
export const live = (tx: Tx) => tx`user_id = (select auth.uid()) and deleted_at is null`;

export async function findOwned<R extends object>(tx: Tx, table: OwnedTable, id: string): Promise<R | undefined> {
  const [row] = await tx<R[]>`select * from ${tx(table)} where id = ${id} and ${live(tx)}`;
  return row;
}

/** Writes the fields sent; undefined when the caller has no such live row. */
export async function updateOwned<R extends object>(
  tx: Tx,
  table: OwnedTable,
  id: string,
  change: Record<string, unknown>,
): Promise<R | undefined> {
  const [row] = await tx<R[]>`update ${tx(table)} set ${tx(change as never)} where id = ${id} and ${
    live(tx)
  } returning *`;
  return row;
}

/** Tombstones the row; false when the caller has no such live row. */
export async function deleteOwned(tx: Tx, table: OwnedTable, id: string): Promise<boolean> {
  const rows = await tx`update ${tx(table)} set deleted_at = now() where id = ${id} and ${live(tx)} returning id`;
  return rows.length > 0;
}
