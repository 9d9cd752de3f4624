// The text-to-image adapter (Growth Diary's pictures): DashScope's wire format against the local fake, and the
// offline model.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DashScopeError } from '../../functions/_shared/providers/dashscope.ts';
import {
  createImageModel,
  DashScopeImageModel,
  type ImageModel,
  OfflineImageModel,
} from '../../functions/_shared/providers/image-generation.ts';
import { type FakeDashScope, startFakeDashScope } from '../fakes/dashscope.ts';

let fake: FakeDashScope;
beforeAll(async () => {
  fake = await startFakeDashScope();
});
afterAll(() => fake.close());

const model = (apiKey = fake.apiKey) =>
  new DashScopeImageModel({ apiKey, baseUrl: fake.baseUrl, model: 'wanx2.1-t2i-turbo', size: '1024*1024' });

/** Polls until the task leaves PENDING/RUNNING: every status seen, and the last answer. */
async function pollToEnd(m: ImageModel, taskId: string) {
  const seen: string[] = [];
  for (;;) {
    const task = await m.getTask(taskId);
    seen.push(task.status);
    if ((task.status !== 'PENDING' && task.status !== 'RUNNING') || seen.length >= 20) return { seen, task };
  }
}

describe('DashScope text-to-image', () => {
  const roundTrip = 'submits an asynchronous task with prompt, negative prompt and size, polls it and downloads ' +
    'the picture';
  it(roundTrip, async () => {
    const m = model();
    const { taskId } = await m.createTask({ prompt: '儿童绘本风格：公园里的花', negativePrompt: '暴力' });
    const create = fake.calls.findLast((c) => c.path === '/api/v1/services/aigc/text2image/image-synthesis');
    expect(create).toMatchObject({
      method: 'POST',
      authorization: `Bearer ${fake.apiKey}`,
      async: 'enable',
      body: {
        model: 'wanx2.1-t2i-turbo',
        input: { prompt: '儿童绘本风格：公园里的花', negative_prompt: '暴力' },
        parameters: { size: '1024*1024', n: 1 },
      },
    });
    const { seen, task } = await pollToEnd(m, taskId);
    expect(seen).toEqual(['PENDING', 'RUNNING', 'SUCCEEDED']);
    expect(task.imageUrl).toMatch(new RegExp(`^${fake.baseUrl}/results/${taskId}\\.png`));
    const picture = await m.download(task.imageUrl!);
    expect(picture.contentType).toBe('image/png');
    expect(picture.bytes).toEqual(fake.pictureBytes(taskId));
  });

  it('reports a task that failed with its code, and a prompt refused by inspection as not retryable', async () => {
    const m = model();
    const { taskId } = await m.createTask({ prompt: 'a picture that will fail' });
    const { task } = await pollToEnd(m, taskId);
    expect(task).toMatchObject({ status: 'FAILED', errorCode: 'InternalError.Algo' });
    await expect(m.createTask({ prompt: 'something unsafe' })).rejects.toMatchObject({
      code: 'DataInspectionFailed',
      status: 400,
      retryable: false,
    });
    await expect(model('sk-wrong').createTask({ prompt: 'flowers' })).rejects.toBeInstanceOf(DashScopeError);
  });

  it('is the offline model without a key: a fixed PNG, ready at the first poll; "offline-fail" fails', async () => {
    const offline = createImageModel({ model: 'wanx2.1-t2i-turbo', size: '1024*1024' });
    expect(offline).toBeInstanceOf(OfflineImageModel);
    const { taskId } = await offline.createTask({ prompt: 'flowers' });
    const task = await offline.getTask(taskId);
    expect(task.status).toBe('SUCCEEDED');
    const { bytes } = await offline.download(task.imageUrl!);
    expect([...bytes.subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const failing = await offline.createTask({ prompt: 'offline-fail' });
    expect((await offline.getTask(failing.taskId)).status).toBe('FAILED');
    expect(createImageModel({ model: 'm', size: '1024*1024', dashscope: { apiKey: 'k', baseUrl: fake.baseUrl } }))
      .toBeInstanceOf(DashScopeImageModel);
  });
});
