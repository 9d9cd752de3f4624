// A local OpenAI-compatible server (POST /v1/chat/completions) whose behaviour is chosen by the model name:
//   ok-*       answers at once
//   slow-once-* sleeps past the client's timeout on its first call, then answers
//   down-*     500 every time          busy-*  429 every time
//   garbage-*  200 with a body that is not a chat completion
// With "stream": true, answers are Server-Sent Events of chat.completion.chunk, usage last, then [DONE];
//   broken-stream-* sends one chunk and drops the connection.
import { createServer, type Server } from 'node:http';

export interface FakeOpenAi {
  baseUrl: string;
  calls: Array<{ model: string; messages: unknown[] }>;
  close(): Promise<void>;
}

export async function startFakeOpenAi(opts: { slowMs?: number } = {}): Promise<FakeOpenAi> {
  const calls: FakeOpenAi['calls'] = [];
  const seen = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', async () => {
      const reply = (status: number, payload: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
      };
      if (req.url !== '/v1/chat/completions' || req.method !== 'POST') {
        return reply(404, { error: { message: 'not found', type: 'invalid_request_error' } });
      }
      if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
        return reply(401, {
          error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' },
        });
      }
      const { model, messages, stream } = JSON.parse(body) as {
        model: string;
        messages: Array<{ content: string }>;
        stream?: boolean;
      };
      calls.push({ model, messages });
      const n = (seen.get(model) ?? 0) + 1;
      seen.set(model, n);
      if (model.startsWith('down-')) {
        return reply(500, { error: { message: 'The server had an error', type: 'server_error' } });
      }
      if (model.startsWith('busy-')) {
        return reply(429, { error: { message: 'Rate limit reached', type: 'requests', code: 'rate_limit_exceeded' } });
      }
      if (model.startsWith('garbage-')) return reply(200, { hello: 'world' });
      if (model.startsWith('slow-once-') && n === 1) await new Promise((r) => setTimeout(r, opts.slowMs ?? 1500));
      const content = `answer from ${model} to: ${messages.at(-1)?.content ?? ''}`;
      if (stream) {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        const chunk = (delta: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
          res.write(
            `data: ${
              JSON.stringify({
                id: `chatcmpl-${n}`,
                object: 'chat.completion.chunk',
                created: 0,
                model,
                choices: delta ? [{ index: 0, delta, finish_reason: null }] : [],
                ...extra,
              })
            }\n\n`,
          );
        const words = content.split(/(?<= )/);
        for (const [i, w] of words.entries()) {
          chunk(i === 0 ? { role: 'assistant', content: w } : { content: w });
          if (model.startsWith('broken-stream-')) {
            // Let the first chunk reach the client, then drop the connection mid-answer.
            await new Promise((r) => setTimeout(r, 100));
            return res.destroy();
          }
        }
        res.write(
          `data: ${
            JSON.stringify({
              id: `chatcmpl-${n}`,
              object: 'chat.completion.chunk',
              created: 0,
              model,
              choices: [],
              usage: { prompt_tokens: 12, completion_tokens: words.length, total_tokens: 12 + words.length },
            })
          }\n\n`,
        );
        res.write('data: [DONE]\n\n');
        return res.end();
      }
      return reply(200, {
        id: `chatcmpl-${n}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: { prompt_tokens: 12, completion_tokens: 8, total_tokens: 20 },
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1`,
    calls,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
