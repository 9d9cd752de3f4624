// One effect per Auth hook call. Auth names each call with a webhook-id and retries one it saw time out under the
// same id; whoever holds a signed request can also replay it until its timestamp is 5 minutes old. The id is claimed
// in a transaction of its own, committed before the effect starts: a concurrent replay's insert waits on the claim's
// key and then finds it, instead of acting too.
import type { Db } from '../_shared/db.ts';

export type AuthHook = 'send-sms';

/**
 * Runs `attempt` unless this call was already acted on (then answers undefined). The attempt calls `acted()` the
 * moment its effect has happened; one that ends or throws before that frees the id again, so Auth's retry of the
 * call may still act.
 */
export async function oncePerCall<T>(
  db: Db,
  hook: AuthHook,
  webhookId: string,
  attempt: (acted: () => void) => Promise<T>,
): Promise<T | undefined> {
  const claimed = await db.asService((tx) =>
    tx`
    insert into internal.auth_hook_deliveries (hook, webhook_id) values (${hook}, ${webhookId})
    on conflict do nothing
    returning webhook_id`
  );
  if (claimed.length === 0) return undefined;
  let done = false;
  try {
    return await attempt(() => {
      done = true;
    });
  } finally {
    if (!done) {
      await db.asService((tx) =>
        tx`delete from internal.auth_hook_deliveries where hook = ${hook} and webhook_id = ${webhookId}`
      );
    }
  }
}
