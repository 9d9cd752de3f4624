// The emoji video adapter: DashScope's wire format against a local fake, and the offline provider.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../functions/_shared/env.ts';
import {
  DashScopeEmojiProvider,
  DashScopeError,
  type EmojiTask,
  type EmojiVideoProvider,
} from '../../functions/_shared/providers/dashscope.ts';
import { createEmojiVideoProvider, OfflineEmojiProvider } from '../../functions/_pickitchen/emoji-video-provider.ts';
import { type FakeDashScope, startFakeDashScope } from '../fakes/dashscope.ts';

let fake: FakeDashScope;
beforeAll(async () => {
  fake = await startFakeDashScope({ slowMs: 1000 });
});
afterAll(() => fake.close());

const provider = (extra: Partial<ConstructorParameters<typeof DashScopeEmojiProvider>[0]> = {}) =>
  new DashScopeEmojiProvider({
    apiKey: fake.apiKey,
    baseUrl: fake.baseUrl,
    detectModel: 'emoji-detect-v1',
    videoModel: 'emoji-v1',
    // Generous: a loaded test machine must not turn a normal answer into a timeout. The timeout case sets its own.
    timeoutMs: 10_000,
    ...extra,
  });
const box = { faceBbox: [212, 194, 460, 441], extBbox: [63, 30, 609, 575] };
const image = (name: string) => `${fake.baseUrl}/photos/${name}.jpg`;

/** Polls until the task leaves PENDING/RUNNING, returning every status seen and the final task. */
async function pollToEnd(p: EmojiVideoProvider, taskId: string) {
  const seen: string[] = [];
  let task: EmojiTask;
  do {
    task = await p.getTask(taskId);
    seen.push(task.status);
  } while ((task.status === 'PENDING' || task.status === 'RUNNING') && seen.length < 20);
  return { seen, task };
}

describe('DashScope emoji provider', () => {
  it('detects a face with emoji-detect-v1 and returns both boxes', async () => {
    const result = await provider().detect({ imageUrl: image('alice') });
    expect(result).toEqual({ ok: true, ...box });
    const call = fake.calls.at(-1)!;
    expect(call).toMatchObject({
      method: 'POST',
      path: '/api/v1/services/aigc/image2video/face-detect',
      authorization: `Bearer ${fake.apiKey}`,
      async: undefined,
      body: { model: 'emoji-detect-v1', input: { image_url: image('alice') }, parameters: { ratio: '1:1' } },
    });
  });

  it.each([
    ['noface', 'no_face', 'InvalidFile.NoHuman'],
    ['twofaces', 'multiple_faces', 'InvalidFile.MultiHuman'],
    ['badpose', 'invalid_image', 'InvalidFile.FacePose'],
    ['unsafe', 'policy', 'DataInspectionFailed'],
  ])('maps the refusal of a %s picture to %s', async (marker, reason, code) => {
    const result = await provider().detect({ imageUrl: image(marker) });
    expect(result).toMatchObject({ ok: false, reason, code, message: expect.any(String) });
  });

  it('creates an async task, polls it to SUCCEEDED and downloads the video without sending the key', async () => {
    const p = provider();
    const { taskId } = await p.createVideoTask({ imageUrl: image('alice'), drivenId: 'mengwa_kaixin', ...box });
    expect(fake.calls.at(-1)).toMatchObject({
      method: 'POST',
      path: '/api/v1/services/aigc/image2video/video-synthesis',
      async: 'enable',
      body: {
        model: 'emoji-v1',
        input: {
          image_url: image('alice'),
          driven_id: 'mengwa_kaixin',
          face_bbox: box.faceBbox,
          ext_bbox: box.extBbox,
        },
      },
    });
    const { seen, task } = await pollToEnd(p, taskId);
    expect(seen).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED']);
    expect(fake.calls.at(-1)).toMatchObject({ method: 'GET', path: `/api/v1/tasks/${taskId}` });
    expect(task).toMatchObject({
      status: 'SUCCEEDED',
      videoUrl: expect.stringContaining('.mp4?Expires='),
      videoDurationSeconds: 2,
    });
    expect(await p.download(task.videoUrl!)).toEqual(fake.videoBytes(taskId));
    expect(fake.calls.at(-1)).toMatchObject({
      method: 'GET',
      path: `/results/${taskId}.mp4`,
      authorization: undefined,
    });
  });

  it('reports a FAILED task with its error code, and keeps a slow one RUNNING', async () => {
    const p = provider();
    const failed = await pollToEnd(
      p,
      (await p.createVideoTask({ imageUrl: image('alice'), drivenId: 'will_fail', ...box })).taskId,
    );
    expect(failed.task).toEqual({
      status: 'FAILED',
      errorCode: 'InternalError.Algo',
      errorMessage: 'inference internal error.',
    });
    const slow = await pollToEnd(
      p,
      (await p.createVideoTask({ imageUrl: image('alice'), drivenId: 'slow_kaixin', ...box })).taskId,
    );
    expect(slow.seen).toEqual(['PENDING', 'RUNNING', 'RUNNING', 'RUNNING', 'RUNNING', 'SUCCEEDED']);
    expect(await p.getTask('no-such-task')).toEqual({ status: 'UNKNOWN' });
  });

  it('fails for good on a wrong key (401) and on a request DashScope calls invalid (400)', async () => {
    await expect(provider({ apiKey: 'sk-wrong' }).detect({ imageUrl: image('alice') })).rejects.toMatchObject({
      name: 'DashScopeError',
      code: 'InvalidApiKey',
      status: 401,
      retryable: false,
      requestId: expect.any(String),
    });
    await expect(
      provider().createVideoTask({
        imageUrl: image('alice'),
        drivenId: 'mengwa_kaixin',
        faceBbox: [1, 2, 3],
        extBbox: box.extBbox,
      }),
    ).rejects.toMatchObject({
      code: 'InvalidParameter',
      status: 400,
      retryable: false,
      message: expect.stringContaining('input.face_bbox'),
    });
    // DashScope downloads the photo: one it cannot fetch is a photo that cannot be used.
    expect(await provider().detect({ imageUrl: `${fake.baseUrl}/nowhere/alice.jpg` })).toMatchObject({
      ok: false,
      reason: 'invalid_image',
      code: 'InvalidURL',
    });
    await expect(
      provider({ videoModel: 'emoji-v9' }).createVideoTask({ imageUrl: image('alice'), drivenId: 'x', ...box }),
    ).rejects.toMatchObject({ status: 400, retryable: false });
  });

  it('marks throttling (429), server errors (500) and timeouts as retryable', async () => {
    const err = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e);
    const throttled = await err(provider().createVideoTask({ imageUrl: image('throttled'), drivenId: 'a', ...box }));
    expect(throttled).toBeInstanceOf(DashScopeError);
    expect(throttled).toMatchObject({ code: 'Throttling.RateQuota', status: 429, retryable: true });
    expect(await err(provider().detect({ imageUrl: image('outage') }))).toMatchObject({
      code: 'InternalError',
      status: 500,
      retryable: true,
    });
    expect(await err(provider({ timeoutMs: 300 }).detect({ imageUrl: image('sleepy') }))).toMatchObject({
      code: 'Timeout',
      status: 0,
      retryable: true,
    });
    expect(await err(provider({ baseUrl: 'http://127.0.0.1:9' }).getTask('t'))).toMatchObject({
      code: 'NetworkError',
      retryable: true,
    });
  });

  it('treats a malformed answer as a permanent failure', async () => {
    await expect(provider().detect({ imageUrl: image('garbage') })).rejects.toMatchObject({
      code: 'MalformedResponse',
      status: 200,
      retryable: false,
    });
    const p = provider();
    const { taskId } = await p.createVideoTask({ imageUrl: image('alice'), drivenId: 'garbage', ...box });
    await expect(p.getTask(taskId)).rejects.toMatchObject({ code: 'MalformedResponse', retryable: false });
  });

  it('caps downloads in size and refuses anything but http(s)', async () => {
    const p = provider({ maxVideoBytes: 16 });
    const { taskId } = await p.createVideoTask({ imageUrl: image('alice'), drivenId: 'mengwa_kaixin', ...box });
    const { task } = await pollToEnd(p, taskId);
    await expect(p.download(task.videoUrl!)).rejects.toMatchObject({ code: 'VideoTooLarge', retryable: false });
    await expect(p.download('file:///etc/passwd')).rejects.toMatchObject({ code: 'InvalidVideoUrl', retryable: false });
    await expect(p.download(`${fake.baseUrl}/results/expired.mp4`)).rejects.toMatchObject({
      code: 'DownloadFailed',
      status: 403,
      retryable: false,
    });
  });
});

describe('offline emoji provider', () => {
  const base = { SUPABASE_DB_URL: 'postgresql://x@127.0.0.1/postgres', JWT_SECRET: 'a-secret-of-sixteen+' };

  it('is chosen without a key, DashScope with one', () => {
    expect(createEmojiVideoProvider(loadConfig(base).emoji)).toBeInstanceOf(OfflineEmojiProvider);
    expect(createEmojiVideoProvider(loadConfig({ ...base, DASHSCOPE_API_KEY: 'sk-1' }).emoji)).toBeInstanceOf(
      DashScopeEmojiProvider,
    );
  });

  it('detects, refuses by marker, generates and serves a valid MP4', async () => {
    const p = new OfflineEmojiProvider();
    const detected = await p.detect({ imageUrl: 'pickitchen/u1/selfie.jpg' });
    expect(detected).toEqual({ ok: true, ...box });
    expect(await p.detect({ imageUrl: 'pickitchen/u1/noface.jpg' })).toMatchObject({ ok: false, reason: 'no_face' });
    expect(await p.detect({ imageUrl: 'pickitchen/u1/twofaces.jpg' })).toMatchObject({
      ok: false,
      reason: 'multiple_faces',
    });

    const { taskId } = await p.createVideoTask({
      imageUrl: 'pickitchen/u1/selfie.jpg',
      drivenId: 'mengwa_kaixin',
      ...box,
    });
    // Another instance (another isolate) follows the same task.
    const { seen, task } = await pollToEnd(new OfflineEmojiProvider(), taskId);
    expect(seen).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED']);

    const mp4 = await p.download(task.videoUrl!);
    const view = new DataView(mp4.buffer, mp4.byteOffset, mp4.byteLength);
    const ascii = (at: number) => new TextDecoder().decode(mp4.subarray(at, at + 4));
    // An ISO BMFF file opens with its ftyp box: 32-bit size, "ftyp", major brand; then the movie.
    expect(ascii(4)).toBe('ftyp');
    expect(ascii(8)).toBe('isom');
    const ftypSize = view.getUint32(0);
    expect(ftypSize).toBeGreaterThanOrEqual(16);
    expect(ascii(ftypSize + 4)).toBe('moov');
    expect(mp4.byteLength).toBeLessThan(20 * 1024);
  });

  it('fails a task whose template id says so, and refuses what DashScope would', async () => {
    const p = new OfflineEmojiProvider();
    const { task } = await pollToEnd(
      p,
      (await p.createVideoTask({ imageUrl: 'x.jpg', drivenId: 'fail_me', ...box })).taskId,
    );
    expect(task).toEqual({
      status: 'FAILED',
      errorCode: 'InternalError.Algo',
      errorMessage: 'inference internal error.',
    });
    await expect(p.createVideoTask({ imageUrl: 'x.jpg', drivenId: '', ...box })).rejects.toMatchObject({
      code: 'InvalidParameter',
      retryable: false,
    });
    expect(await p.getTask('dashscope-task-id')).toEqual({ status: 'UNKNOWN' });
    await expect(p.download('https://example.com/a.mp4')).rejects.toMatchObject({ code: 'InvalidVideoUrl' });
  });
});
