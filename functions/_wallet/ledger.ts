// The ledger from TypeScript: every balance change goes through public.wallet_post() (see its migration).
import type { AppId } from '../_shared/apps.ts';
import type { Tx } from '../_shared/db.ts';
import type { Tables } from '../_shared/database.types.ts';

export type WalletEntry = Tables<'wallet_entries'>;
export type EntryKind = 'purchase' | 'reward' | 'consume' | 'refund' | 'adjust' | 'expire';

export interface Posting {
  app: AppId;
  userId: string;
  currency: string;
  /** Signed: credits are positive, debits negative. */
  amount: number;
  kind: EntryKind;
  reason: string;
  idempotencyKey: string;
  ref?: { type: string; id?: string };
  /** For periodic rewards: the period (2026-W48) they are for; one per ref type and period. */
  period?: string;
}

/**
 * Posts inside the caller's transaction (service role): INSUFFICIENT_BALANCE and IDEMPOTENCY_CONFLICT surface as
 * API errors.
 */
export async function post(tx: Tx, p: Posting): Promise<WalletEntry> {
  const [entry] = await tx<WalletEntry[]>`
    select * from public.wallet_post(${p.app}, ${p.userId}, ${p.currency}, ${p.amount}, ${p.kind}, ${p.reason},
                                     ${p.idempotencyKey}, ${p.ref?.type ?? null}, ${p.ref?.id ?? null}, ${
    p.period ?? null
  })`;
  return entry;
}

/** ISO 8601 week of a UTC instant, e.g. 2026-W48 (the PicKitchen weekly grant's period). */
export function isoWeek(date: Date): string {
  const d = new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
  const day = d.getUTCDay() || 7;
  d.setUTCDate(d.getUTCDate() + 4 - day);
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}
