// Server-Sent Events for streamed answers (companion chat): `delta` events with text, then `done`; a failure
// after the stream started becomes an `error` event carrying the standard error envelope.
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { errorBody } from '../errors.ts';
import { toApiError } from './create-app.ts';
import type { AppEnv } from './context.ts';

export function sseText(c: Context<AppEnv>, chunks: AsyncIterable<string>, done: Record<string, unknown> = {}) {
  return streamSSE(c, async (stream) => {
    let id = 0;
    try {
      for await (const content of chunks) {
        await stream.writeSSE({ event: 'delta', id: String(id++), data: JSON.stringify({ content }) });
      }
      await stream.writeSSE({ event: 'done', id: String(id++), data: JSON.stringify(done) });
    } catch (err) {
      await stream.writeSSE({
        event: 'error',
        id: String(id++),
        data: JSON.stringify(errorBody(toApiError(err), c.var.requestId ?? '')),
      });
    }
  });
}
