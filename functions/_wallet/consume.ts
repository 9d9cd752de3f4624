// The caller spends from one of their balances, once per Idempotency-Key: the generic POST /{app}/wallet/consume and
// the apps' own names for it (the diary's points/deduct) share this.
import { z } from '@hono/zod-openapi';
import type { AppId } from '../_shared/apps.ts';
import type { Db } from '../_shared/db.ts';
import type { WalletEntry } from './ledger.ts';
import { toTransaction, Transaction } from './wallet-reads.ts';

export const Consume = z
  .object({
    currency: z.string().regex(/^[a-z_]{2,20}$/).openapi({ example: 'coins' }),
    amount: z.number().int().min(1).max(1_000_000).openapi({ description: 'How much to spend (positive)' }),
    reason: z.string().trim().min(1).max(300).openapi({ example: 'chat_message' }),
    ref_type: z.string().min(1).max(64).optional().openapi({ description: 'What the spending was for, e.g. message' }),
    ref_id: z.string().min(1).max(200).optional(),
  })
  .strict()
  .openapi('WalletConsume');
export type Consume = z.infer<typeof Consume>;

export const Consumed = z
  .object({
    transaction: Transaction,
    balance: z.number().int().openapi({ description: 'The balance now' }),
    replayed: z.boolean().openapi({
      description: 'True when this Idempotency-Key had already spent: nothing was spent again',
    }),
  })
  .openapi('WalletConsumed');

export const ConsumeKeyHeader = z.object({
  'idempotency-key': z.string().min(1).max(150).openapi({
    description: 'Required: a retry with the same key spends nothing more and answers the same',
  }),
});

/** Spends through public.wallet_consume (422 INSUFFICIENT_BALANCE when short, 409 for a key reused otherwise). */
export async function consume(
  db: Db,
  appId: AppId,
  userId: string,
  body: Consume,
  header: z.infer<typeof ConsumeKeyHeader>,
): Promise<z.infer<typeof Consumed>> {
  // The client's keys get a namespace of their own, apart from the keys server rules post with.
  const key = `client:${header['idempotency-key']}`;
  const [[{ spent }]] = await db.asService((tx) => [
    tx<{ spent: { entry: WalletEntry; replayed: boolean; balance: number } }[]>`
      select public.wallet_consume(
        ${appId}, ${userId}::uuid, ${body.currency}, ${body.amount}, ${body.reason}, ${key},
        ${body.ref_type ?? null}, ${body.ref_id ?? null}) as spent`,
  ]);
  return { transaction: toTransaction(spent.entry), balance: spent.balance, replayed: spent.replayed };
}
