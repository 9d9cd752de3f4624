// Prompt templates: one per use case, versioned (the version is metered with every call), shaped by the app's
// AI style settings (the coach's "AI 风格配置": tone, length, language), kept in the user's app preferences.
import { z } from 'zod';
import type { ChatMessage } from '../_shared/providers/openai-compatible.ts';

export const AiStyle = z
  .object({
    tone: z.enum(['gentle', 'direct', 'humorous']).default('gentle'),
    length: z.enum(['short', 'medium', 'long']).default('medium'),
    language: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/).default('zh-CN'),
  })
  .default({ tone: 'gentle', length: 'medium', language: 'zh-CN' });
export type AiStyle = z.infer<typeof AiStyle>;

export interface PromptTemplate<I> {
  useCase: string;
  version: string;
  /** The instructions, before style. */
  system: string;
  user(input: I): string;
}

const TONE: Record<AiStyle['tone'], string> = {
  gentle: 'Be warm and encouraging.',
  direct: 'Be direct and concrete; no filler.',
  humorous: 'Be light and a little playful, never mocking.',
};
const LENGTH: Record<AiStyle['length'], string> = {
  short: 'Answer in at most 3 sentences.',
  medium: 'Answer in one short paragraph.',
  long: 'Answer in a few short paragraphs.',
};

/** The messages for a template, its input and the user's style (unknown or missing settings take defaults). */
export function renderPrompt<I>(
  template: PromptTemplate<I>,
  input: I,
  style: unknown,
): { messages: ChatMessage[]; promptVersion: string } {
  const s = AiStyle.parse(style ?? undefined);
  const system = `${template.system}\n${TONE[s.tone]} ${LENGTH[s.length]} Reply in ${s.language}.`;
  return {
    messages: [{ role: 'system', content: system }, { role: 'user', content: template.user(input) }],
    promptVersion: `${template.useCase}@${template.version}`,
  };
}
