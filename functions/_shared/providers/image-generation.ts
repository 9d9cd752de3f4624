// Text-to-image models: one interface, DashScope's Wan text-to-image (an asynchronous task, as its HTTP API only
// offers) and a deterministic offline stand-in for development without a key. The Growth Diary's pictures use it.
//
// Wire format, from alibabacloud.com/help/en/model-studio/text-to-image-v2-api-reference (中文:
// help.aliyun.com/zh/model-studio/text-to-image-v2-api-reference):
//   create  POST /api/v1/services/aigc/text2image/image-synthesis with "X-DashScope-Async: enable" (required)
//           {"model":"wanx2.1-t2i-turbo","input":{"prompt","negative_prompt"},"parameters":{"size":"1024*1024","n":1}}
//           → 200 {"output":{"task_id","task_status":"PENDING"},"request_id"}
//   poll    GET /api/v1/tasks/{task_id} → output.task_status PENDING | RUNNING | SUCCEEDED | FAILED | …;
//           on SUCCEEDED output.results [{"url","orig_prompt","actual_prompt"} (PNG, valid 24 h; actual_prompt
//           is the rewritten prompt it was drawn from when prompt_extend is on, the default) or {"code","message"}
//           for an image that failed, DataInspectionFailed when the picture failed the content inspection];
//           on FAILED output.code / output.message; usage.image_count (billed images).
//   errors  as every DashScope API (dashscope.ts): {"request_id","code","message"}; DataInspectionFailed when the
//           prompt or the picture fails DashScope's own content inspection.
import { DashScopeError, DashScopeHttp, type EmojiTaskStatus, isObject, str } from './dashscope.ts';

export interface ImageTask {
  status: EmojiTaskStatus;
  /** SUCCEEDED only; expires after 24 h, so download it at once. */
  imageUrl?: string;
  /** SUCCEEDED only: the prompt the picture was drawn from, when DashScope rewrote ours (prompt_extend). */
  actualPrompt?: string;
  errorCode?: string;
  errorMessage?: string;
}

export interface ImageModel {
  readonly name: string;
  readonly model: string;
  createTask(input: { prompt: string; negativePrompt?: string }): Promise<{ taskId: string }>;
  getTask(taskId: string): Promise<ImageTask>;
  download(url: string): Promise<{ bytes: Uint8Array; contentType: string }>;
}

export interface ImageModelConfig {
  /** Present when DASHSCOPE_API_KEY is set; without it the offline model answers. */
  dashscope?: { apiKey: string; baseUrl: string };
  model: string;
  size: string;
}

const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

export class DashScopeImageModel implements ImageModel {
  readonly name = 'dashscope';
  private readonly http: DashScopeHttp;

  constructor(private readonly options: { apiKey: string; baseUrl: string; model: string; size: string }) {
    this.http = new DashScopeHttp(options);
  }

  get model() {
    return this.options.model;
  }

  async createTask(input: { prompt: string; negativePrompt?: string }): Promise<{ taskId: string }> {
    const { status, body } = await this.http.send(
      'POST',
      '/api/v1/services/aigc/text2image/image-synthesis',
      {
        model: this.options.model,
        input: { prompt: input.prompt, ...(input.negativePrompt ? { negative_prompt: input.negativePrompt } : {}) },
        parameters: { size: this.options.size, n: 1 },
      },
      { 'X-DashScope-Async': 'enable' },
    );
    const taskId = str(this.http.ok(status, body).task_id);
    if (!taskId) throw this.http.malformed(status, body, 'no output.task_id');
    return { taskId };
  }

  async getTask(taskId: string): Promise<ImageTask> {
    const { status, output, answer } = await this.http.task(taskId);
    if (status !== 'SUCCEEDED') return { status, errorCode: str(output.code), errorMessage: str(output.message) };
    const results = Array.isArray(output.results) ? output.results.filter(isObject) : [];
    const made = results.find((r) => str(r.url));
    if (made) return { status, imageUrl: str(made.url), actualPrompt: str(made.actual_prompt) || undefined };
    // Every image of the task failed (each result says why): the task made nothing.
    const failed = results.find((r) => str(r.code));
    if (failed) return { status: 'FAILED', errorCode: str(failed.code), errorMessage: str(failed.message) };
    throw this.http.malformed(answer.status, answer.body, 'SUCCEEDED without output.results[].url');
  }

  async download(url: string) {
    return { bytes: await this.http.download(url, MAX_IMAGE_BYTES), contentType: 'image/png' };
  }
}

// A 1×1 PNG, the same for every prompt: development and tests see the whole path without a provider.
const OFFLINE_PNG = Uint8Array.from(
  atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH/iZk9HQAAAABJRU5ErkJggg=='),
  (ch) => ch.charCodeAt(0),
);

/** Deterministic: a task per prompt, ready on its first poll; a prompt holding "offline-fail" fails. */
export class OfflineImageModel implements ImageModel {
  readonly name = 'offline';
  readonly model = 'offline-image';
  createTask(input: { prompt: string }) {
    return Promise.resolve({ taskId: `offline-${input.prompt.includes('offline-fail') ? 'fail' : 'ok'}` });
  }
  getTask(taskId: string): Promise<ImageTask> {
    return Promise.resolve(
      taskId === 'offline-fail'
        ? { status: 'FAILED', errorCode: 'InternalError', errorMessage: 'scripted failure' }
        : { status: 'SUCCEEDED', imageUrl: 'offline:image.png' },
    );
  }
  download(url: string) {
    if (url !== 'offline:image.png') throw new DashScopeError('InvalidUrl', 'not an offline image', 0, false);
    return Promise.resolve({ bytes: OFFLINE_PNG, contentType: 'image/png' });
  }
}

export function createImageModel(config: ImageModelConfig): ImageModel {
  return config.dashscope
    ? new DashScopeImageModel({ ...config.dashscope, model: config.model, size: config.size })
    : new OfflineImageModel();
}
