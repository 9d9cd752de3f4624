// RevenueCat webhook deliveries as RevenueCat sends them (events for the PicKitchen weekly VIP by default).
import { stackEnv } from './stack.ts';

export const DAY = 86_400_000;
let seq = 0;

export function rcEvent(type: string, userId: string, fields: Record<string, unknown> = {}) {
  seq++;
  return {
    api_version: '1.0',
    event: {
      id: crypto.randomUUID(),
      type,
      app_user_id: userId,
      original_app_user_id: `$RCAnonymousID:${seq}`,
      aliases: [`$RCAnonymousID:${seq}`],
      product_id: 'com.houtai.pickitchen.vip.weekly',
      store: 'APP_STORE',
      environment: 'PRODUCTION',
      transaction_id: `tx-${seq}`,
      original_transaction_id: 'otx-default',
      purchased_at_ms: Date.now(),
      expiration_at_ms: Date.now() + 7 * DAY,
      event_timestamp_ms: Date.now(),
      currency: 'USD',
      price: 4.99,
      ...fields,
    },
  };
}

export async function deliver(body: unknown, auth = stackEnv().revenuecatAuth, headers: Record<string, string> = {}) {
  const res = await fetch(`${stackEnv().apiUrl}/functions/v1/hooks/revenuecat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(auth ? { authorization: auth } : {}), ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}
