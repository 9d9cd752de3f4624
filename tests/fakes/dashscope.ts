// A local DashScope (Model Studio) server for the emoji endpoints, in its wire format: face-detect (synchronous),
// video-synthesis (X-DashScope-Async: enable), GET /api/v1/tasks/{id}, and the result video at its own URL.
// It checks the Bearer key, the async header, the model names and the required input, answering DashScope's
// {request_id, code, message} errors. Behaviour is chosen by the input:
//   image_url  noface / twofaces / badpose / unsafe  refused as the offline provider scripts it (SCRIPTED_REFUSALS);
//              the same markers inside the downloaded image bytes work too
//              throttled  429 Throttling.RateQuota    outage  500 InternalError    garbage  200 with an HTML body
//              sleepy     answers after `slowMs`
//   driven_id  fail  FAILED after RUNNING    slow  RUNNING for longer    garbage  polls answer without `output`
// Text-to-image (image-synthesis, X-DashScope-Async: enable) makes a picture task; its prompt scripts it as driven_id
// scripts a video (fail, slow), and a prompt holding "unsafe" is refused as DashScope's inspection refuses it. Like
// DashScope with prompt_extend on, a picture reports the rewritten prompt it was drawn from (actual_prompt): a
// prompt holding "monster" is rewritten to hold 怪物. A prompt holding "inspect-refuse" makes a picture that fails
// the inspection (its result is DataInspectionFailed).
// Tasks move PENDING → RUNNING → SUCCEEDED one step per poll (scriptedTaskStatus). A test that started its own
// fake can also stage an outage (`outage`) and hold a request in flight (`holdNext`) to race workers against it.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  SCRIPTED_FAILURE,
  scriptedRefusal,
  scriptedTaskStatus,
} from '../../functions/_pickitchen/emoji-video-provider.ts';
import { Buffer } from 'node:buffer';

/** What the fake reads of a request body: any of it may be missing or of the wrong type, which it refuses. */
export interface DashScopeRequestBody {
  model?: unknown;
  input?: {
    image_url?: unknown;
    driven_id?: unknown;
    face_bbox?: unknown;
    ext_bbox?: unknown;
    prompt?: unknown;
    negative_prompt?: unknown;
  };
  parameters?: { ratio?: unknown; size?: unknown; n?: unknown };
}

export interface FakeDashScopeCall {
  method: string;
  path: string;
  authorization?: string;
  async?: string;
  body?: DashScopeRequestBody;
}

/** The requests a test can hold: creating a video task, polling one, downloading a video. */
export type FakeDashScopeStep = 'create' | 'poll' | 'video';

export interface HeldRequest {
  /** Resolves when the request has come in (and is waiting). */
  arrived: Promise<void>;
  /** Lets it go on: it is answered as if it had just arrived. */
  release(): void;
}

export interface FakeDashScope {
  baseUrl: string;
  apiKey: string;
  calls: FakeDashScopeCall[];
  /** While true, every API call answers 500 InternalError, as in a DashScope outage (downloads still work). */
  outage: boolean;
  /** Holds the next request of this step until released. */
  holdNext(step: FakeDashScopeStep): HeldRequest;
  /** The bytes served for a task's video. */
  videoBytes(taskId: string): Uint8Array;
  /** The bytes served for a picture task's image (a PNG). */
  pictureBytes(taskId: string): Uint8Array;
  close(): Promise<void>;
}

/** A picture task's one result: the picture (and the prompt as rewritten), or its inspection's refusal. */
const pictureResult = (prompt: string, url: string) => {
  if (prompt.includes('inspect-refuse')) {
    return { code: 'DataInspectionFailed', message: 'Output data may contain inappropriate content.' };
  }
  const rewritten = `${prompt}${prompt.includes('monster') ? '，一只吓人的怪物' : ''}，画面细节丰富`;
  return { orig_prompt: prompt, actual_prompt: rewritten, url };
};

const isBox = (v: unknown) => Array.isArray(v) && v.length === 4 && v.every((n) => Number.isInteger(n) && n >= 0);

export async function startFakeDashScope(
  opts: { apiKey?: string; detectModel?: string; videoModel?: string; imageModel?: string; slowMs?: number } = {},
): Promise<FakeDashScope> {
  const apiKey = opts.apiKey ?? 'sk-fake-dashscope';
  const detectModel = opts.detectModel ?? 'emoji-detect-v1';
  const videoModel = opts.videoModel ?? 'emoji-v1';
  const calls: FakeDashScopeCall[] = [];
  const imageModel = opts.imageModel ?? 'wanx2.1-t2i-turbo';
  const tasks = new Map<string, { drivenId: string; polls: number; picture?: boolean }>();
  const videoBytes = (taskId: string) => new TextEncoder().encode(`\0\0\0\x18ftypisom fake emoji video for ${taskId}`);
  const pictureBytes = (taskId: string) =>
    new Uint8Array([
      0x89,
      0x50,
      0x4e,
      0x47,
      0x0d,
      0x0a,
      0x1a,
      0x0a,
      ...new TextEncoder().encode(`fake picture ${taskId}`),
    ]);
  let baseUrl = '';
  const holds = new Map<FakeDashScopeStep, { arrive: () => void; released: Promise<void> }>();
  const holdNext = (step: FakeDashScopeStep): HeldRequest => {
    let arrive!: () => void;
    let release!: () => void;
    const arrived = new Promise<void>((r) => (arrive = r));
    holds.set(step, { arrive, released: new Promise<void>((r) => (release = r)) });
    return { arrived, release };
  };
  /** Waits here if the test holds this step. */
  const held = async (step: FakeDashScopeStep) => {
    const hold = holds.get(step);
    if (!hold) return;
    holds.delete(step);
    hold.arrive();
    await hold.released;
  };

  const fake: FakeDashScope = {
    baseUrl,
    apiKey,
    calls,
    outage: false,
    holdNext,
    videoBytes,
    pictureBytes,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const requestId = randomUUID();
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const fail = (status: number, code: string, message: string) =>
      send(status, { request_id: requestId, code, message });
    let body: DashScopeRequestBody | undefined;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return fail(400, 'InvalidParameter', 'Required body invalid, please check the request body format.');
    }
    // Photos for adapter tests to hand over as image_url (production's are signed Storage URLs).
    const photo = /^\/photos\/([^/]+)\.jpg$/.exec(url.pathname);
    if (photo && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      return res.end(
        Buffer.concat([
          Buffer.from([0xff, 0xd8, 0xff, 0xfe, 0x00, 0x10]),
          Buffer.from(`photo ${photo[1]}`.padEnd(14).slice(0, 14)),
          Buffer.from([0xff, 0xd9]),
        ]),
      );
    }
    calls.push({
      method: req.method ?? '',
      path: url.pathname,
      authorization: req.headers.authorization,
      async: req.headers['x-dashscope-async'] as string | undefined,
      body,
    });

    // Result videos are signed OSS links in production: no key involved. Streamed in two chunks, no length;
    // results/expired.mp4 answers like OSS once the 24-hour signature has expired.
    const video = /^\/results\/(.+)\.mp4$/.exec(url.pathname);
    if (video && req.method === 'GET') {
      if (video[1] === 'expired') {
        res.writeHead(403, { 'content-type': 'application/xml' });
        return res.end('<Error><Code>AccessDenied</Code><Message>Request has expired.</Message></Error>');
      }
      await held('video');
      const bytes = videoBytes(decodeURIComponent(video[1]));
      res.writeHead(200, { 'content-type': 'video/mp4' });
      res.write(bytes.subarray(0, 8));
      return res.end(bytes.subarray(8));
    }
    const picture = /^\/results\/(.+)\.png$/.exec(url.pathname);
    if (picture && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'image/png' });
      return res.end(pictureBytes(decodeURIComponent(picture[1])));
    }
    if (req.headers.authorization !== `Bearer ${apiKey}`) {
      return fail(401, 'InvalidApiKey', 'Invalid API-key provided.');
    }
    if (fake.outage) {
      return fail(
        500,
        'InternalError',
        'An internal error has occured, please try again later or contact service support.',
      );
    }

    const imageUrl: unknown = body?.input?.image_url;
    if (typeof imageUrl === 'string') {
      if (imageUrl.includes('throttled')) {
        return fail(429, 'Throttling.RateQuota', 'Requests rate limit exceeded, please try again later.');
      }
      if (imageUrl.includes('outage')) {
        return fail(
          500,
          'InternalError',
          'An internal error has occured, please try again later or contact service support.',
        );
      }
      if (imageUrl.includes('garbage')) {
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<html><body>gateway says hi</body></html>');
      }
      if (imageUrl.includes('sleepy')) await new Promise((r) => setTimeout(r, opts.slowMs ?? 1500));
    }

    if (req.method === 'POST' && url.pathname === '/api/v1/services/aigc/image2video/face-detect') {
      if (req.headers['x-dashscope-async'] === 'enable') {
        return fail(403, 'AccessDenied', 'Current user api does not support asynchronous calls.');
      }
      if (body?.model !== detectModel) return fail(400, 'InvalidParameter', 'Model not exist.');
      if (typeof imageUrl !== 'string' || !imageUrl) {
        return fail(
          400,
          'InvalidParameter',
          'Required parameter(input.image_url) missing or invalid, please check the request parameters.',
        );
      }
      if (body?.parameters?.ratio !== '1:1') {
        return fail(
          400,
          'InvalidParameter',
          'Required parameter(parameters.ratio) missing or invalid, please check the request parameters.',
        );
      }
      // Like DashScope, download the photo: an unreachable URL is refused, and the script's markers also work
      // inside the image bytes (a JPEG comment, say), for photos whose URL the test does not choose.
      let refused = scriptedRefusal(imageUrl);
      if (!refused && /^https?:/.test(imageUrl)) {
        const image = await fetch(imageUrl, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
        if (!image?.ok) {
          return fail(400, 'InvalidURL', 'The request URL is invalid, please check the request URL is available.');
        }
        refused = scriptedRefusal(Buffer.from(await image.arrayBuffer()).toString('latin1'));
      }
      if (refused?.httpStatus) return fail(refused.httpStatus, refused.code, refused.message);
      if (refused) {
        return send(200, {
          request_id: requestId,
          output: { code: refused.code, message: refused.message },
          usage: { image_count: 1 },
        });
      }
      return send(200, {
        request_id: requestId,
        output: { bbox_face: [212, 194, 460, 441], ext_bbox_face: [63, 30, 609, 575] },
        usage: { image_count: 1 },
      });
    }

    if (req.method === 'POST' && url.pathname === '/api/v1/services/aigc/image2video/video-synthesis') {
      await held('create');
      if (req.headers['x-dashscope-async'] !== 'enable') {
        return fail(403, 'AccessDenied', 'current user api does not support synchronous calls.');
      }
      if (body?.model !== videoModel) return fail(400, 'InvalidParameter', 'Model not exist.');
      const input: NonNullable<DashScopeRequestBody['input']> = body?.input ?? {};
      for (
        const [field, valid] of [
          ['image_url', typeof input.image_url === 'string' && input.image_url !== ''],
          ['driven_id', typeof input.driven_id === 'string' && input.driven_id !== ''],
          ['face_bbox', isBox(input.face_bbox)],
          ['ext_bbox', isBox(input.ext_bbox)],
        ] as const
      ) {
        if (!valid) {
          return fail(
            400,
            'InvalidParameter',
            `Required parameter(input.${field}) missing or invalid, please check the request parameters.`,
          );
        }
      }
      const taskId = randomUUID();
      tasks.set(taskId, { drivenId: String(input.driven_id), polls: 0 }); // a string: checked above
      return send(200, { request_id: requestId, output: { task_id: taskId, task_status: 'PENDING' } });
    }

    if (req.method === 'POST' && url.pathname === '/api/v1/services/aigc/text2image/image-synthesis') {
      if (req.headers['x-dashscope-async'] !== 'enable') {
        return fail(403, 'AccessDenied', 'current user api does not support synchronous calls.');
      }
      if (body?.model !== imageModel) return fail(400, 'InvalidParameter', 'Model not exist.');
      const prompt = body?.input?.prompt;
      if (typeof prompt !== 'string' || prompt === '') {
        return fail(
          400,
          'InvalidParameter',
          'Required parameter(input.prompt) missing or invalid, please check the request parameters.',
        );
      }
      if (prompt.includes('unsafe')) {
        return fail(400, 'DataInspectionFailed', 'Input data may contain inappropriate content.');
      }
      const taskId = randomUUID();
      tasks.set(taskId, { drivenId: prompt, polls: 0, picture: true });
      return send(200, { request_id: requestId, output: { task_id: taskId, task_status: 'PENDING' } });
    }

    const poll = /^\/api\/v1\/tasks\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && poll) {
      await held('poll');
      const taskId = decodeURIComponent(poll[1]);
      const task = tasks.get(taskId);
      if (!task) return send(200, { request_id: requestId, output: { task_id: taskId, task_status: 'UNKNOWN' } });
      if (task.drivenId.includes('garbage')) return send(200, { request_id: requestId });
      task.polls += 1;
      const status = scriptedTaskStatus(task.drivenId, task.polls);
      const times = { submit_time: '2025-10-14 11:28:04.372', scheduled_time: '2025-10-14 11:28:04.400' };
      if (status === 'SUCCEEDED' && task.picture) {
        return send(200, {
          request_id: requestId,
          output: {
            task_id: taskId,
            task_status: status,
            ...times,
            end_time: '2025-10-14 11:28:24.924',
            results: [pictureResult(task.drivenId, `${baseUrl}/results/${taskId}.png?Expires=1760500000`)],
            task_metrics: { TOTAL: 1, SUCCEEDED: 1, FAILED: 0 },
          },
          usage: { image_count: 1 },
        });
      }
      if (status === 'SUCCEEDED') {
        return send(200, {
          request_id: requestId,
          output: {
            task_id: taskId,
            task_status: status,
            ...times,
            end_time: '2025-10-14 11:29:03.924',
            video_url: `${baseUrl}/results/${taskId}.mp4?Expires=1760500000`,
          },
          usage: { video_duration: 2, video_ratio: 'standard' },
        });
      }
      if (status === 'FAILED') {
        return send(200, {
          request_id: requestId,
          output: {
            task_id: taskId,
            task_status: status,
            ...times,
            code: SCRIPTED_FAILURE.code,
            message: SCRIPTED_FAILURE.message,
          },
        });
      }
      return send(200, { request_id: requestId, output: { task_id: taskId, task_status: status, ...times } });
    }

    return fail(404, 'NotFound', 'Not found!');
  };

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => (raw += c));
    req.on('end', () => void handle(req, res, raw));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  fake.baseUrl = baseUrl;
  return fake;
}
