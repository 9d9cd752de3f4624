// What the apps read of their wallets: balances (zero until the first change) and the history, as the caller
// (RLS). Shared by the generic wallet routes and the apps' own names for them (PicKitchen's points/*).
import { z } from '@hono/zod-openapi';
import type { AppId } from '../_shared/apps.ts';
import type { Tx } from '../_shared/db.ts';
import type { WalletEntry } from './ledger.ts';
import { decodeCursor, page } from '../_shared/pagination.ts';

export const Balance = z.object({
  currency: z.string(),
  name: z.string(),
  name_zh: z.string(),
  balance: z.number().int(),
  updated_at: z.string().nullable(),
}).openapi('WalletBalance');

export const Transaction = z
  .object({
    id: z.number().int(),
    currency: z.string(),
    amount: z.number().int().openapi({ description: 'Signed: credits positive, debits negative' }),
    balance_after: z.number().int(),
    kind: z.enum(['purchase', 'reward', 'consume', 'refund', 'adjust', 'expire']),
    reason: z.string(),
    ref_type: z.string().nullable(),
    ref_id: z.string().nullable(),
    period: z.string().nullable(),
    created_at: z.string(),
  })
  .openapi('WalletTransaction');

export const TransactionPage = z.object({ items: z.array(Transaction), next_cursor: z.string().nullable() });

export function readBalances(tx: Tx, appId: AppId) {
  return tx<z.infer<typeof Balance>[]>`
    select cur.currency, cur.name, cur.name_zh, coalesce(acc.balance, 0)::int as balance, acc.updated_at
      from public.wallet_currencies cur
      left join public.wallet_accounts acc
        on acc.app_id = cur.app_id and acc.currency = cur.currency and acc.user_id = (select auth.uid())
     where cur.app_id = ${appId}
     order by cur.currency`;
}

/** One balance of the caller's, zero until its first change (PicKitchen's and the diary's points). */
export async function readBalance(tx: Tx, appId: AppId, currency: string): Promise<number> {
  return (await readBalances(tx, appId)).find((b) => b.currency === currency)?.balance ?? 0;
}

const Cursor = z.object({ id: z.number().int() });

/** One page of the caller's entries, newest first. */
export async function listTransactions(
  tx: Tx,
  appId: AppId,
  q: { limit: number; cursor?: string; currency?: string },
): Promise<z.infer<typeof TransactionPage>> {
  const after = decodeCursor(q.cursor, Cursor);
  const rows = await tx<WalletEntry[]>`
    select * from public.wallet_entries
     where user_id = (select auth.uid()) and app_id = ${appId}
       ${q.currency ? tx`and currency = ${q.currency}` : tx``}
       ${after ? tx`and id < ${after.id}` : tx``}
     order by id desc
     limit ${q.limit + 1}`;
  const { items, next_cursor } = page(rows, q.limit, (last) => ({ id: Number(last.id) }));
  return { items: items.map(toTransaction), next_cursor };
}

/** A ledger entry as the API shows it (bigints as numbers: balances stay far below 2^53). */
export function toTransaction(e: WalletEntry): z.infer<typeof Transaction> {
  return {
    id: Number(e.id),
    currency: e.currency,
    amount: Number(e.amount),
    balance_after: Number(e.balance_after),
    kind: e.kind as z.infer<typeof Transaction>['kind'],
    reason: e.reason,
    ref_type: e.ref_type,
    ref_id: e.ref_id,
    period: e.period,
    created_at: e.created_at,
  };
}
