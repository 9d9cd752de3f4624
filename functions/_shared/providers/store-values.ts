// The ranges store payloads must keep to before they reach SQL: the columns' own limits and the dates postgres.js
// can send. A value outside them is the sender's error (400 VALIDATION_FAILED); unchecked, it became an Invalid
// Date or a numeric overflow, and a 500. Shared by the RevenueCat, App Store and Google Play integrations.
import { z } from '@hono/zod-openapi';

/** 9999-12-31T23:59:59.999Z: later instants have no four-digit ISO year, the form dates are sent to Postgres in. */
const MAX_EPOCH_MS = 253_402_300_799_999;

/** Milliseconds since 1970 as the stores send them: whole, not negative, before the year 10000. */
export const EpochMs = z.number().int().min(0).max(MAX_EPOCH_MS);

/** The same, written as a decimal string (Google Play). */
export const EpochMsText = z
  .string()
  .regex(/^\d{1,15}$/, 'must be whole milliseconds since 1970')
  .refine((v) => Number(v) <= MAX_EPOCH_MS, 'must be before the year 10000');

/** What public.orders.price (numeric(12, 2)) holds. A refund's price is negative (RevenueCat). */
export const Price = z.number().min(-9_999_999_999.99).max(9_999_999_999.99);

/** public.orders.quantity's range. */
export const Quantity = z.number().int().min(1).max(100);
