// The queues this worker serves and their handlers. Each feature adds its own (AI tasks, emoji video
// pipeline, pushes); a job on a queue without a handler fails and, after its attempts, is kept as dead.
import type { Handlers } from './runner.ts';

export const handlers: Handlers = {};
