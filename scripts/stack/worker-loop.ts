// Local stand-in for the production trigger (pg_cron + pg_net calling the worker every minute): drives
// POST /functions/v1/worker/run continuously while `npm start` runs, pausing briefly when the queue is empty. It
// calls with the stack's secret API key on `apikey`, as pg_net does with an sb_secret_ key in Vault.
export function startWorkerLoop(functionsUrl: string, secretKey: string): { stop(): Promise<void> } {
  let running = true;
  let wake: (() => void) | undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  const done = (async () => {
    while (running) {
      let claimed = 0;
      try {
        const res = await fetch(`${functionsUrl}/worker/run`, {
          method: 'POST',
          headers: { apikey: secretKey, 'content-type': 'application/json' },
          body: JSON.stringify({ budget_ms: 10_000 }),
        });
        if (res.ok) claimed = ((await res.json()) as { claimed: number }).claimed;
      } catch {
        // the gateway is restarting or stopping: try again shortly
      }
      if (running && claimed === 0) await sleep(1000);
    }
  })();
  return {
    async stop() {
      running = false;
      wake?.();
      await done;
    },
  };
}
