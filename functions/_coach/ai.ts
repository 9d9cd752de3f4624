// Daily Coach's AI use cases (docs/apps/coach.md): the nightly review (夜间复盘), tomorrow's plan (明日计划), a
// reading summary and the weekly/monthly summary. Each sends the model only the numbers it needs (and notes
// only when the user allows it), and each has a template answer built from the same numbers for when every
// model fails.
import type { AiUseCase, AiUseCases } from '../_ai/tasks.ts';
import { type AiStyle, type PromptTemplate, renderPrompt } from '../_ai/prompts.ts';

type Json = Record<string, unknown>;
type Brief = {
  date: string;
  score: number | null;
  goals: Record<string, number>;
  note?: string | null;
  style?: unknown;
  workout?: { minutes: number; sessions: number; types: string[] } | null;
  meal?: { count: number; calories: number | null } | null;
  sleep?: { hours: number; quality: number | null } | null;
  work?: { focus_minutes: number; tasks_done: number } | null;
  reading?: { minutes: number; pages: number | null; books: string[] } | null;
};

const english = (style: unknown) => String((style as AiStyle | undefined)?.language ?? 'zh-CN').startsWith('en');

/** One line per dimension: what was done against the day's goal. */
function facts(b: Brief, en: boolean): string[] {
  const g = b.goals ?? {};
  const line = (zh: string, eng: string) => (en ? eng : zh);
  return [
    b.workout
      ? line(
        `运动 ${b.workout.minutes} 分钟（目标 ${g.workout}）`,
        `Workout ${b.workout.minutes} min (goal ${g.workout})`,
      )
      : line('没有运动记录', 'No workout logged'),
    b.meal
      ? line(`记录了 ${b.meal.count} 餐（目标 ${g.meal}）`, `${b.meal.count} meals logged (goal ${g.meal})`)
      : line('没有饮食记录', 'No meals logged'),
    b.sleep
      ? line(`睡眠 ${b.sleep.hours} 小时（目标 ${g.sleep}）`, `Slept ${b.sleep.hours} h (goal ${g.sleep})`)
      : line('没有睡眠记录', 'No sleep logged'),
    b.work
      ? line(
        `专注工作 ${b.work.focus_minutes} 分钟，完成 ${b.work.tasks_done} 项任务（目标 ${g.work} 分钟）`,
        `Focused ${b.work.focus_minutes} min, ${b.work.tasks_done} tasks done (goal ${g.work} min)`,
      )
      : line('没有工作记录', 'No work logged'),
    b.reading
      ? line(`阅读 ${b.reading.minutes} 分钟（目标 ${g.reading}）`, `Read ${b.reading.minutes} min (goal ${g.reading})`)
      : line('没有阅读记录', 'No reading logged'),
  ];
}

/** The dimensions below their daily goal, weakest first: what tomorrow should focus on. */
function gaps(b: Brief): string[] {
  const g = b.goals ?? {};
  const got: Record<string, number> = {
    workout: b.workout?.minutes ?? 0,
    meal: b.meal?.count ?? 0,
    sleep: b.sleep?.hours ?? 0,
    work: b.work?.focus_minutes ?? 0,
    reading: b.reading?.minutes ?? 0,
  };
  return Object.keys(got).filter((d) => got[d] < (g[d] ?? 0)).sort((a, b2) => got[a] / g[a] - got[b2] / g[b2]);
}

const NAMES: Record<string, [string, string]> = {
  workout: ['运动', 'exercise'],
  meal: ['规律饮食', 'regular meals'],
  sleep: ['睡眠', 'sleep'],
  work: ['专注工作', 'focused work'],
  reading: ['阅读', 'reading'],
};

const dayFacts = (b: Brief) =>
  `Date: ${b.date}. Day score: ${b.score ?? 'n/a'}/100.\n${facts(b, true).join('\n')}${
    b.note ? `\nThe user's note: ${b.note}` : ''
  }`;

const review: PromptTemplate<Brief> = {
  useCase: 'coach.review',
  version: '1',
  system:
    "You are a supportive daily coach. Review the user's day from the facts given: what went well, what fell short " +
    'of the goals, one thing to keep in mind. Do not invent facts.',
  user: dayFacts,
};
const plan: PromptTemplate<Brief> = {
  useCase: 'coach.tomorrow_plan',
  version: '1',
  system:
    "You are a practical daily coach. From today's facts, write a short plan for tomorrow: 3 concrete, small actions " +
    'aimed at the goals that were missed.',
  user: dayFacts,
};
const readingSummary: PromptTemplate<Json> = {
  useCase: 'coach.reading_summary',
  version: '1',
  system: "Summarise the user's reading session and their notes in a few bullet points, " +
    'then suggest one question to think about.',
  user: (r) =>
    `Book: ${r.book}. Read ${r.minutes} minutes${r.pages ? `, ${r.pages} pages` : ''}.${
      r.notes ? `\nNotes: ${r.notes}` : ''
    }`,
};
const periodSummary: PromptTemplate<Json> = {
  useCase: 'coach.period_summary',
  version: '1',
  system: "Summarise the user's week or month from the statistics: trends, goals met and missed, streaks, " +
    'and one focus for the next period.',
  user: (p) => `Period ${p.period}.\nStatistics: ${JSON.stringify(p.stats)}`,
};

const messages = <I>(t: PromptTemplate<I>) => (input: Json) => renderPrompt(t, input as I, input.style).messages;

export const COACH_AI_USE_CASES: AiUseCases = {
  'coach.review': {
    app: 'coach',
    useCase: review.useCase,
    messages: messages(review),
    userText: (i) => String(i.note ?? ''),
    fallback: (i) => {
      const b = i as Brief;
      const en = english(b.style);
      const weak = gaps(b).map((d) => NAMES[d][en ? 1 : 0]);
      return en
        ? `Day score ${b.score ?? 0}/100. ${facts(b, true).join('; ')}.${
          weak.length ? ` Below goal: ${weak.join(', ')}.` : ' Every goal met — well done!'
        }`
        : `今日得分 ${b.score ?? 0}/100。${facts(b, false).join('；')}。${
          weak.length ? `未达标：${weak.join('、')}。` : '所有目标都达成了，做得好！'
        }`;
    },
  },
  'coach.tomorrow_plan': {
    app: 'coach',
    useCase: plan.useCase,
    messages: messages(plan),
    userText: (i) => String(i.note ?? ''),
    fallback: (i) => {
      const b = i as Brief;
      const en = english(b.style);
      const weak = gaps(b);
      const focus = (weak.length ? weak : ['workout', 'sleep', 'reading']).slice(0, 3);
      const steps = focus.map((d, n) =>
        `${n + 1}. ${en ? `Reach your ${NAMES[d][1]} goal (${b.goals[d]})` : `完成${NAMES[d][0]}目标（${b.goals[d]}）`}`
      );
      return `${en ? 'Plan for tomorrow:' : '明日计划：'}\n${steps.join('\n')}`;
    },
  },
  'coach.reading_summary': {
    app: 'coach',
    useCase: readingSummary.useCase,
    messages: messages(readingSummary),
    userText: (i) => String(i.notes ?? ''),
    fallback: (
      i,
    ) => (english(i.style)
      ? `You read "${i.book}" for ${i.minutes} minutes.`
      : `你阅读了《${i.book}》${i.minutes} 分钟。`),
  },
  'coach.period_summary': {
    app: 'coach',
    useCase: periodSummary.useCase,
    messages: messages(periodSummary),
    userText: () => '',
    fallback: (i) => {
      const stats = i.stats as { average_score: number | null; record_streak: number; days: number };
      return english(i.style)
        ? `${i.period}: average day score ${
          stats.average_score ?? 'n/a'
        }, longest run of logged days ${stats.record_streak} of ${stats.days}.`
        : `${i.period}：平均每日得分 ${
          stats.average_score ?? '无'
        }，最长连续记录 ${stats.record_streak}/${stats.days} 天。`;
    },
  },
} satisfies Record<string, AiUseCase>;
