// Which emoji video provider PicKitchen runs: DashScope (the wire adapter in _shared/providers/dashscope.ts) when
// DASHSCOPE_API_KEY is set, else a deterministic offline stand-in, so `npm start` and the tests run the whole emoji
// flow without a key.
import {
  DashScopeEmojiProvider,
  DashScopeError,
  type DetectResult,
  type EmojiConfig,
  type EmojiTask,
  type EmojiTaskStatus,
  type EmojiVideoInput,
  type EmojiVideoProvider,
  isBox,
  refusal,
} from '../_shared/providers/dashscope.ts';
import { offlineEmojiMp4 } from './assets/offline-emoji-mp4.ts';

// Offline behaviour is scripted by markers in the input, so tests (and the DashScope fake) can drive refusals:
// picture URLs containing these words are refused with DashScope's own codes and messages …
export const SCRIPTED_REFUSALS: Record<string, { code: string; message: string; httpStatus?: number }> = {
  noface: {
    code: 'InvalidFile.NoHuman',
    message: 'The input image has no human body. Please upload other image with single person.',
  },
  twofaces: {
    code: 'InvalidFile.MultiHuman',
    message: 'The input image has multi human bodies. Please upload other image with single person.',
  },
  badpose: {
    code: 'InvalidFile.FacePose',
    message: 'The pose of the detected face is invalid, please upload other image with the expected orientation.',
  },
  unsafe: { code: 'DataInspectionFailed', message: 'Input data may contain inappropriate content.', httpStatus: 400 },
};

export function scriptedRefusal(imageUrl: string) {
  const marker = Object.keys(SCRIPTED_REFUSALS).find((m) => imageUrl.includes(m));
  return marker ? SCRIPTED_REFUSALS[marker] : undefined;
}

/** … and a task whose template id contains "fail" fails, "slow" runs for three more polls. */
export function scriptedTaskStatus(drivenId: string, polls: number): EmojiTaskStatus {
  if (polls <= 1) return 'PENDING';
  if (polls <= (drivenId.includes('slow') ? 5 : 2)) return 'RUNNING';
  return drivenId.includes('fail') ? 'FAILED' : 'SUCCEEDED';
}
export const SCRIPTED_FAILURE = { code: 'InternalError.Algo', message: 'inference internal error.' };

// The documentation's sample boxes: a plausible 1:1 head-and-shoulders crop.
const SAMPLE_FACE_BBOX = [212, 194, 460, 441];
const SAMPLE_EXT_BBOX = [63, 30, 609, 575];
const OFFLINE_VIDEO_URL = 'offline-emoji://video/';

/**
 * No network, no key. The task id carries its template id, so polls from another isolate still know the
 * outcome; only the poll count is in memory (shared by every instance, bounded), and losing it just restarts
 * the PENDING → RUNNING → SUCCEEDED walk.
 */
export class OfflineEmojiProvider implements EmojiVideoProvider {
  readonly name = 'offline' as const;
  private static readonly polls = new Map<string, number>();

  detect({ imageUrl }: { imageUrl: string }): Promise<DetectResult> {
    const refused = scriptedRefusal(imageUrl);
    return Promise.resolve(
      refused
        ? refusal(refused.code, refused.message)
        : { ok: true, faceBbox: [...SAMPLE_FACE_BBOX], extBbox: [...SAMPLE_EXT_BBOX] },
    );
  }

  createVideoTask(input: EmojiVideoInput): Promise<{ taskId: string }> {
    // The checks DashScope makes, so local runs catch what production would refuse.
    if (!input.imageUrl || !input.drivenId || !isBox(input.faceBbox) || !isBox(input.extBbox)) {
      return Promise.reject(
        new DashScopeError(
          'InvalidParameter',
          'image_url, driven_id, face_bbox and ext_bbox [x1,y1,x2,y2] are required',
          400,
          false,
        ),
      );
    }
    return Promise.resolve({ taskId: `offline.${crypto.randomUUID()}.${encodeURIComponent(input.drivenId)}` });
  }

  getTask(taskId: string): Promise<EmojiTask> {
    const drivenId = /^offline\.[0-9a-f-]{36}\.(.+)$/.exec(taskId)?.[1];
    if (drivenId === undefined) return Promise.resolve({ status: 'UNKNOWN' });
    const polls = OfflineEmojiProvider.polls;
    const n = (polls.get(taskId) ?? 0) + 1;
    polls.delete(taskId);
    polls.set(taskId, n);
    if (polls.size > 1000) polls.delete(polls.keys().next().value!);
    const status = scriptedTaskStatus(decodeURIComponent(drivenId), n);
    if (status === 'SUCCEEDED') {
      return Promise.resolve({ status, videoUrl: `${OFFLINE_VIDEO_URL}${taskId}.mp4`, videoDurationSeconds: 1 });
    }
    if (status === 'FAILED') {
      return Promise.resolve({ status, errorCode: SCRIPTED_FAILURE.code, errorMessage: SCRIPTED_FAILURE.message });
    }
    return Promise.resolve({ status });
  }

  download(url: string): Promise<Uint8Array> {
    if (!url.startsWith(OFFLINE_VIDEO_URL)) {
      return Promise.reject(new DashScopeError('InvalidVideoUrl', 'not an offline video URL', 0, false));
    }
    return Promise.resolve(offlineEmojiMp4());
  }
}

export function createEmojiVideoProvider(
  config: Pick<EmojiConfig, 'dashscope' | 'detectModel' | 'videoModel'>,
): EmojiVideoProvider {
  return config.dashscope
    ? new DashScopeEmojiProvider({
      ...config.dashscope,
      detectModel: config.detectModel,
      videoModel: config.videoModel,
    })
    : new OfflineEmojiProvider();
}
