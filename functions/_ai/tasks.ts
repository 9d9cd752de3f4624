// AI tasks: accepted (input moderated, charged, enqueued) by the API, run by the worker through the gateway
// (output moderated), finished exactly once — a final failure or a blocked output refunds the charge once.
import postgres from 'postgres';
import type { AppId } from '../_shared/apps.ts';
import type { Db } from '../_shared/db.ts';
import { ApiError } from '../_shared/errors.ts';
import type { Tables } from '../_shared/database.types.ts';
import { type JobHandler, JobSnooze } from '../_shared/queue.ts';
import { ModerationUnavailable, type Moderator, SAFE_REPLACEMENT } from '../_shared/providers/moderation.ts';
import { type AiGateway, aiQuotaExceeded } from './gateway.ts';
import type { ChatMessage } from '../_shared/providers/openai-compatible.ts';

export type AiTask = Tables<'ai_tasks'>;

/** What one kind of task asks the model, what it costs, and its template answer when every model fails. */
export interface AiUseCase {
  app: AppId;
  /** The gateway use case: selects models and prompt version. */
  useCase: string;
  messages(input: Record<string, unknown>): ChatMessage[];
  fallback?(input: Record<string, unknown>): string;
  cost?: { currency: string; amount: number };
  /** The user-written text the model will see (moderated before acceptance). */
  userText(input: Record<string, unknown>): string;
  /**
   * A task whose answer is not a chat completion (a picture) does its own work, possibly over several runs: the
   * result it stores (and whether it is the fallback), a JobSnooze to be run again then, or why it failed for good
   * (a refusal, a deadline). Thrown errors are retried by the queue like a model's.
   */
  run?(task: AiTask, ctx: { db: Db; moderator: Moderator }): Promise<AiRunOutcome>;
}

export type AiRunOutcome = { result: Record<string, unknown>; fallback?: boolean } | { failed: string } | JobSnooze;

export type AiUseCases = Record<string, AiUseCase>;

/**
 * Accepts a task. With `dailyQuota`, the user's day must have room for it: their successes today plus their tasks
 * accepted today and still in flight, counted under a lock in the insert's transaction (internal.ai_quota_check), so
 * requests sent at once cannot outrun it; past it, 429 AI_QUOTA_EXCEEDED with Retry-After and nothing is queued.
 */
export async function createAiTask(
  db: Db,
  moderator: Moderator,
  kind: string,
  uc: AiUseCase,
  userId: string,
  input: Record<string, unknown>,
  opts: { dailyQuota?: number } = {},
): Promise<AiTask> {
  await moderateInput(moderator, uc.userText(input));
  const quota = opts.dailyQuota ?? null;
  try {
    const [task] = await db.asService((tx) =>
      tx<AiTask[]>`
      select * from internal.ai_task_create(${uc.app}, ${userId}, ${kind}, ${tx.json(input as never)}, ${
        uc.cost?.amount ?? 0
      }, ${uc.cost?.currency ?? null}, p_daily_quota => ${quota})`
    );
    return task;
  } catch (err) {
    if (quota !== null && err instanceof postgres.PostgresError && err.message === 'AI_QUOTA_EXCEEDED') {
      throw aiQuotaExceeded(quota, err.hint ?? `${quota}/${quota}`);
    }
    throw err;
  }
}

/** Checks what the user wrote before anything is charged or enqueued. Text-free input (numbers only) needs no check. */
async function moderateInput(moderator: Moderator, text: string) {
  if (text.trim() === '') return;
  const verdict = await moderator.review(text, 'input').catch((err) => {
    // Unchecked input never reaches a model.
    if (err instanceof ModerationUnavailable) {
      throw new ApiError('SERVICE_UNAVAILABLE', 'Content checks are unavailable; try again shortly.');
    }
    throw err;
  });
  if (!verdict.allowed) {
    throw new ApiError(
      'CONTENT_BLOCKED',
      'This content cannot be processed.',
      verdict.labels.map((l) => ({ code: l, message: 'blocked by moderation' })),
    );
  }
}

async function finish(
  db: Db,
  id: string,
  status: 'processing' | 'completed' | 'failed',
  result: unknown,
  error: string | null,
  fallback = false,
  refund = false,
) {
  const [row] = await db.asService((tx) =>
    tx<[{ done: boolean }]>`
    select internal.ai_task_finish(${id}, ${status}, ${
      tx.json((result ?? null) as never)
    }, ${error}, ${fallback}, ${refund}) as done`
  );
  return row.done;
}

/** Whether what a model made (its text, or the prompt a picture was drawn from) may reach the user. */
export async function outputAllowed(moderator: Moderator, text: string): Promise<boolean> {
  return (await moderator.review(text, 'output')).allowed;
}

/** The worker's handler for the `ai.task` queue. */
export function aiTaskHandler(gateway: () => AiGateway, moderator: () => Moderator, useCases: AiUseCases): JobHandler {
  return async (job, { db }) => {
    const id = String(job.payload.task_id);
    const [task] = await db.asService((tx) => tx<AiTask[]>`select * from public.ai_tasks where id = ${id}`);
    if (!task || task.status === 'completed' || task.status === 'failed') return { skipped: true };
    const uc = useCases[task.kind];
    if (!uc) {
      // A worker that does not know this kind (an older deploy, or a narrower one) leaves it for one that does;
      // only the last attempt gives up on it.
      if (job.attempts < job.max_attempts) throw new Error(`this worker has no use case ${task.kind}`);
      await finish(db, id, 'failed', null, `no use case ${task.kind}`);
      return { failed: true };
    }
    await finish(db, id, 'processing', null, null);
    const input = task.input as Record<string, unknown>;
    try {
      if (uc.run) {
        const made = await uc.run(task, { db, moderator: moderator() });
        if (made instanceof JobSnooze) return made;
        if ('failed' in made) {
          await finish(db, id, 'failed', null, made.failed);
          return { failed: true };
        }
        await finish(db, id, 'completed', made.result, null, made.fallback ?? false);
        return { completed: true };
      }
      const answer = await gateway().complete({
        app: uc.app,
        userId: task.user_id,
        useCase: uc.useCase,
        messages: uc.messages(input),
        fallback: uc.fallback ? () => uc.fallback!(input) : undefined,
      });
      if (!(await outputAllowed(moderator(), answer.content))) {
        await finish(
          db,
          id,
          'completed',
          { content: SAFE_REPLACEMENT, blocked: true, model: answer.model },
          null,
          false,
          true,
        );
        return { blocked: true };
      }
      await finish(db, id, 'completed', { content: answer.content, model: answer.model }, null, answer.fallback);
      return { completed: true };
    } catch (err) {
      // The last attempt, or a daily quota used up since the task was accepted (it renews only at 00:00 UTC, so a
      // retry cannot help): fail the task for good (and refund). Otherwise let the queue retry it.
      const quotaUsedUp = err instanceof ApiError && err.code === 'AI_QUOTA_EXCEEDED';
      if (job.attempts >= job.max_attempts || quotaUsedUp) {
        await finish(db, id, 'failed', null, err instanceof Error ? err.message : String(err));
        return { failed: true };
      }
      throw err;
    }
  };
}
