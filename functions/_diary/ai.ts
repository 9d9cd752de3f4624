// Growth Diary's AI use cases (docs/apps/diary.md): a comment on a child's diary, and the picture for one. The
// readers are children, so the prompts ask for simple, warm, age-appropriate words and pictures; what the child wrote
// is moderated before a model sees it and the comment again before the child does (functions/_ai/tasks.ts). When
// every model fails, a kind, generic comment is the answer.
import type { AiUseCase, AiUseCases } from '../_ai/tasks.ts';
import type { PromptTemplate } from '../_ai/prompts.ts';
import { renderPrompt } from '../_ai/prompts.ts';
import { APP } from './app-id.ts';

export const COMMENT_KIND = 'diary.comment';

/** What the model is told about a diary: the child's text and the day's mood and weather, nothing about the child. */
export interface DiaryBrief {
  diary_id?: string;
  content: string;
  mood?: string | null;
  weather?: string | null;
}

const about = (d: DiaryBrief) =>
  `Mood: ${d.mood ?? 'not given'}. Weather: ${d.weather ?? 'not given'}.\nThe diary:\n${d.content}`;

const comment: PromptTemplate<DiaryBrief> = {
  useCase: COMMENT_KIND,
  version: '1',
  system: "You are a kind primary-school teacher writing a short comment under a child's diary (ages 6–12). " +
    'Praise something specific the child wrote, then add one gentle encouragement. Use simple words a child can ' +
    'read. Never criticise, never frighten, never mention anything unsuitable for children, never ask for personal ' +
    'information, never include links. If the diary sounds sad or worried, comfort the child and suggest talking to ' +
    'a parent or teacher.',
  user: about,
};

/** The comment when every model fails: kind and generic, shaped by the mood only. */
export function fallbackComment(d: DiaryBrief): string {
  const sad = ['sad', 'angry', 'tired', 'worried'].includes(d.mood ?? '');
  return sad
    ? '谢谢你把心里话写下来。不开心的时候，可以和爸爸妈妈或老师聊一聊，明天会更好的！'
    : '谢谢你认真记录今天的生活！你的日记写得很用心，继续保持，把更多美好的小事写下来吧！';
}

/** The image model's prompt: a gentle children's-book illustration of the day, from a moderated diary. */
export function imagePrompt(d: DiaryBrief): { prompt: string; negativePrompt: string } {
  return {
    prompt: `儿童绘本风格的温暖插画，明亮柔和的色彩，适合儿童观看。画面内容：${d.content.slice(0, 300)}。` +
      `${d.weather ? `天气：${d.weather}。` : ''}${d.mood ? `心情：${d.mood}。` : ''}`,
    negativePrompt: '暴力, 血腥, 恐怖, 武器, 成人内容, 裸露, 文字, 水印',
  };
}

export const DIARY_AI_USE_CASES: AiUseCases = {
  [COMMENT_KIND]: {
    app: APP,
    useCase: COMMENT_KIND,
    messages: (input) =>
      renderPrompt(comment, input as unknown as DiaryBrief, { tone: 'gentle', length: 'short' })
        .messages,
    userText: (input) => String(input.content ?? ''),
    fallback: (input) => fallbackComment(input as unknown as DiaryBrief),
  },
} satisfies Record<string, AiUseCase>;
