// PicKitchen's emoji videos on Alibaba Cloud Model Studio (DashScope, China (Beijing) region only), speaking its
// native HTTP protocol. The offline stand-in for development without a key is PicKitchen's own
// (functions/_pickitchen/emoji-video-provider.ts).
//
// Wire format, from help.aliyun.com/zh/model-studio/emoji-detect-api, /emoji-api and /error-code (English:
// alibabacloud.com/help/en/model-studio/emoji-detect-api, /emoji-api):
//   detect  POST /api/v1/services/aigc/image2video/face-detect (synchronous)
//           {"model":"emoji-detect-v1","input":{"image_url"},"parameters":{"ratio":"1:1"}}
//           passed  → 200 {"output":{"bbox_face":[x1,y1,x2,y2],"ext_bbox_face":[…]},"usage":{"image_count":1}}
//           refused → 200 {"output":{"code":"InvalidFile.FacePose","message"},"usage":{"image_count":1}} (billed)
//   create  POST /api/v1/services/aigc/image2video/video-synthesis with "X-DashScope-Async: enable" (required)
//           {"model":"emoji-v1","input":{"image_url","driven_id","face_bbox","ext_bbox"}}
//           → 200 {"output":{"task_id","task_status":"PENDING"}}. Note the renaming: detect's bbox_face and
//           ext_bbox_face go in as face_bbox and ext_bbox.
//   poll    GET /api/v1/tasks/{task_id} → output.task_status PENDING | RUNNING | SUCCEEDED | FAILED | CANCELED |
//           UNKNOWN (also for ids older than 24 h); output.video_url (MP4, valid 24 h) on SUCCEEDED;
//           output.code / output.message on FAILED; usage.video_duration (billed seconds).
//   errors  {"request_id","code","message"}: 400 InvalidParameter, DataInspectionFailed, InvalidFile.*;
//           401 InvalidApiKey; 403 AccessDenied*; 429 Throttling*; 500 InternalError*.
export type DetectRefusal = 'no_face' | 'multiple_faces' | 'policy' | 'invalid_image';

export type DetectResult =
  | { ok: true; faceBbox: number[]; extBbox: number[] }
  /** `code` is DashScope's (e.g. InvalidFile.FacePose), for logs; `reason` is what a client is told. */
  | { ok: false; reason: DetectRefusal; code: string; message: string };

export type EmojiTaskStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'UNKNOWN';

export interface EmojiTask {
  status: EmojiTaskStatus;
  /** SUCCEEDED only; expires after 24 h, so download it at once. */
  videoUrl?: string;
  errorCode?: string;
  errorMessage?: string;
  /** Billed length of the video (usage.video_duration), when DashScope reports it. */
  videoDurationSeconds?: number;
}

export interface EmojiVideoInput {
  imageUrl: string;
  faceBbox: number[];
  extBbox: number[];
  /** Template id, e.g. mengwa_kaixin. */
  drivenId: string;
}

export interface EmojiVideoProvider {
  readonly name: 'dashscope' | 'offline';
  detect(input: { imageUrl: string }): Promise<DetectResult>;
  createVideoTask(input: EmojiVideoInput): Promise<{ taskId: string }>;
  getTask(taskId: string): Promise<EmojiTask>;
  download(url: string): Promise<Uint8Array>;
}

export interface EmojiConfig {
  /** Present when DASHSCOPE_API_KEY is set; without it the offline provider answers. */
  dashscope?: { apiKey: string; baseUrl: string };
  detectModel: string;
  videoModel: string;
  pollIntervalSeconds: number;
  taskDeadlineMinutes: number;
}

/**
 * A failed call. `retryable` says whether the same call may succeed later (throttling, 5xx, timeouts, network),
 * so a job retries those and fails for good on the rest. A timed-out create may still have made a task: a
 * retry can make (and bill) a second one.
 */
export class DashScopeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** HTTP status, or 0 when no answer arrived. */
    readonly status: number,
    readonly retryable: boolean,
    readonly requestId?: string,
  ) {
    super(`DashScope ${code}${status ? ` (${status})` : ''}: ${message}`);
    this.name = 'DashScopeError';
  }
}

// Refusal codes of the detection model and of DashScope's input inspection. Any other refusal answered in
// output.code (FacePose, BodyProportion, Resolution, …) is a picture the model cannot animate: invalid_image.
const REFUSALS: Record<string, DetectRefusal> = {
  'InvalidFile.NoHuman': 'no_face',
  'InvalidImage.NoHumanFace': 'no_face',
  'InvalidFile.MultiHuman': 'multiple_faces',
  DataInspectionFailed: 'policy',
  IPInfringementSuspect: 'policy',
};
/** Codes that, even as an HTTP 400, are about the picture rather than our request. */
const IMAGE_CODE =
  /^(InvalidFile|InvalidImage(Resolution|Format)?|InvalidURL|InvalidPerson|InvalidParameter\.DataInspection)\b/;

const knownRefusal = (code: string) => (Object.hasOwn(REFUSALS, code) ? REFUSALS[code] : undefined);

/** A refused detection, as DashScope's code says (also how the offline stand-in refuses). */
export function refusal(code: string, message: string): DetectResult {
  return { ok: false, reason: knownRefusal(code) ?? 'invalid_image', code, message };
}

const isRetryable = (status: number, code: string) =>
  status >= 500 || (status === 429 && (code.startsWith('Throttling') || code === `HTTP${status}`));

export type Json = Record<string, unknown>;
/** An API answer: its HTTP status and JSON body. */
type Answer = { status: number; body: Json };
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
/** An [x1, y1, x2, y2] box as DashScope takes and gives them. */
export const isBox = (v: unknown): v is number[] =>
  Array.isArray(v) && v.length === 4 && v.every((n) => Number.isFinite(n));
export const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const TASK_STATUSES: EmojiTaskStatus[] = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED', 'UNKNOWN'];

function transportError(err: unknown): DashScopeError {
  const name = (err as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new DashScopeError('Timeout', 'no answer in time', 0, true);
  }
  return new DashScopeError('NetworkError', (err as Error)?.message ?? 'unreachable', 0, true);
}

/** Reads a body up to `maxBytes`, stopping (not buffering) as soon as it is larger. */
async function readCapped(res: Response, maxBytes: number): Promise<Uint8Array> {
  const tooLarge = () =>
    new DashScopeError('VideoTooLarge', `the video is larger than ${maxBytes} bytes`, res.status, false);
  if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
    await res.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = res.body!.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    size += r.value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(r.value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return bytes;
}

export interface DashScopeOptions {
  apiKey: string;
  baseUrl: string;
  detectModel: string;
  videoModel: string;
  /** Per API call; detection is a synchronous model run of a few seconds. */
  timeoutMs?: number;
  downloadTimeoutMs?: number;
  maxVideoBytes?: number;
}

export class DashScopeEmojiProvider implements EmojiVideoProvider {
  readonly name = 'dashscope' as const;
  private readonly http: DashScopeHttp;
  private readonly maxVideoBytes: number;

  constructor(private readonly options: DashScopeOptions) {
    this.http = new DashScopeHttp(options);
    this.maxVideoBytes = options.maxVideoBytes ?? 20 * 1024 * 1024;
  }

  async detect({ imageUrl }: { imageUrl: string }): Promise<DetectResult> {
    const { status, body } = await this.http.send('POST', '/api/v1/services/aigc/image2video/face-detect', {
      model: this.options.detectModel,
      input: { image_url: imageUrl },
      parameters: { ratio: '1:1' },
    });
    const code = str(body.code);
    // Input inspection and unreadable pictures arrive as HTTP 400 errors rather than as a detection verdict.
    if (status >= 400 && code && (knownRefusal(code) || IMAGE_CODE.test(code))) {
      return refusal(code, str(body.message) ?? '');
    }
    const output = this.http.ok(status, body);
    const refused = str(output.code);
    if (refused) return refusal(refused, str(output.message) ?? '');
    if (!isBox(output.bbox_face) || !isBox(output.ext_bbox_face)) {
      throw this.http.malformed(status, body, 'no bbox_face/ext_bbox_face');
    }
    return { ok: true, faceBbox: output.bbox_face, extBbox: output.ext_bbox_face };
  }

  async createVideoTask(input: EmojiVideoInput): Promise<{ taskId: string }> {
    const { status, body } = await this.http.send(
      'POST',
      '/api/v1/services/aigc/image2video/video-synthesis',
      {
        model: this.options.videoModel,
        input: {
          image_url: input.imageUrl,
          driven_id: input.drivenId,
          face_bbox: input.faceBbox,
          ext_bbox: input.extBbox,
        },
      },
      { 'X-DashScope-Async': 'enable' },
    );
    const taskId = str(this.http.ok(status, body).task_id);
    if (!taskId) throw this.http.malformed(status, body, 'no output.task_id');
    return { taskId };
  }

  async getTask(taskId: string): Promise<EmojiTask> {
    const { status, output, usage, answer } = await this.http.task(taskId);
    const videoUrl = str(output.video_url);
    if (status === 'SUCCEEDED' && !videoUrl) {
      throw this.http.malformed(answer.status, answer.body, 'SUCCEEDED without output.video_url');
    }
    const duration = usage?.video_duration;
    return {
      status,
      videoUrl,
      errorCode: str(output.code),
      errorMessage: str(output.message),
      videoDurationSeconds: typeof duration === 'number' ? duration : undefined,
    };
  }

  /** The result URL is a signed OSS link: fetched without our key, capped in size and time. */
  download(url: string): Promise<Uint8Array> {
    return this.http.download(url, this.maxVideoBytes);
  }
}

/**
 * DashScope's HTTP protocol, shared by its models' adapters (emoji videos here, diary images in
 * dashscope-image.ts): authenticated JSON calls, `{code, message}` errors, the task poll and result downloads.
 */
export class DashScopeHttp {
  private readonly base: string;
  private readonly timeoutMs: number;
  private readonly downloadTimeoutMs: number;

  constructor(
    private readonly options: { apiKey: string; baseUrl: string; timeoutMs?: number; downloadTimeoutMs?: number },
  ) {
    this.base = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 20_000;
    this.downloadTimeoutMs = options.downloadTimeoutMs ?? 60_000;
  }

  /** An asynchronous task's state (GET /api/v1/tasks/{id}): its status and the whole `output` and `usage`. */
  async task(taskId: string): Promise<{ status: EmojiTaskStatus; output: Json; usage?: Json; answer: Answer }> {
    const { status, body } = await this.send('GET', `/api/v1/tasks/${encodeURIComponent(taskId)}`);
    const output = this.ok(status, body);
    const taskStatus = TASK_STATUSES.find((s) => s === output.task_status);
    if (!taskStatus) throw this.malformed(status, body, `unexpected task_status ${JSON.stringify(output.task_status)}`);
    return {
      status: taskStatus,
      output,
      usage: isObject(body.usage) ? body.usage : undefined,
      answer: { status, body },
    };
  }

  /** The result URL is a signed OSS link: fetched without our key, capped in size and time. */
  async download(url: string, maxBytes: number): Promise<Uint8Array> {
    if (!/^https?:\/\//i.test(url)) throw new DashScopeError('InvalidVideoUrl', 'not an http(s) URL', 0, false);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(this.downloadTimeoutMs) });
      if (!res.ok) {
        await res.body?.cancel();
        // 403 is the usual answer once the 24-hour signature has expired: retrying will not help.
        throw new DashScopeError(
          'DownloadFailed',
          `the video URL answered ${res.status}`,
          res.status,
          res.status >= 500 || res.status === 429,
        );
      }
      return await readCapped(res, maxBytes);
    } catch (err) {
      throw err instanceof DashScopeError ? err : transportError(err);
    }
  }

  /** One API call: JSON in, JSON object out (any status); transport failures and non-JSON become errors. */
  async send(method: 'GET' | 'POST', path: string, body?: unknown, headers: Record<string, string> = {}) {
    let status: number;
    let text: string;
    try {
      const res = await fetch(this.base + path, {
        method,
        headers: {
          Authorization: `Bearer ${this.options.apiKey}`,
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = res.status;
      text = await res.text();
    } catch (err) {
      throw transportError(err);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    if (isObject(parsed)) return { status, body: parsed };
    // A proxy's HTML error page still says, through its status, whether to retry.
    if (status >= 400) {
      throw new DashScopeError(`HTTP${status}`, text.slice(0, 200), status, isRetryable(status, `HTTP${status}`));
    }
    throw this.malformed(status, undefined, 'the body is not a JSON object');
  }

  /** The `output` of a successful answer; DashScope's `{code, message}` errors become DashScopeErrors. */
  ok(status: number, body: Json): Json {
    const requestId = str(body.request_id);
    if (status >= 400) {
      const code = str(body.code) ?? `HTTP${status}`;
      throw new DashScopeError(code, str(body.message) ?? '', status, isRetryable(status, code), requestId);
    }
    if (!isObject(body.output)) throw this.malformed(status, body, 'no output');
    return body.output;
  }

  malformed(status: number, body: Json | undefined, what: string) {
    return new DashScopeError('MalformedResponse', `unexpected answer: ${what}`, status, false, str(body?.request_id));
  }
}
