// The one reader of settings: the value types settings are made of, and `readEnv`, which parses a set of them and
// turns every problem into one line naming the variable, all problems in one error. env.ts reads the functions'
// settings with it; the local gateway and its emulators read theirs with it too, so a bad value reads the same
// wherever it is set.
import { z } from 'zod';

export type Env = Record<string, string | undefined>;

/** "true" / "false" (or "1" / "0"). */
export const bool = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

/** "120/60" = 120 requests per 60 seconds. */
export const bucket = z
  .string()
  .regex(/^\d+\/\d+$/, 'expected "<requests>/<seconds>", e.g. "120/60"')
  .transform((v) => {
    const [capacity, windowSeconds] = v.split('/').map(Number);
    return { capacity, windowSeconds };
  });

/** An empty value, as copied from .env.example, is no value. */
const emptyIsUnset = (v: unknown) => (v === '' ? undefined : v);

/**
 * What the JSON parser says is wrong, without the part of the text V8 echoes (`…, ..."<text>"... is not valid JSON`):
 * the value may be a secret, such as a service account's private key.
 */
function syntaxProblem(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/, (\.\.\.)?".*"(\.\.\.)? is not valid JSON$/s, '');
}

const jsonText = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not valid JSON (${syntaxProblem(error)})` });
    return z.NEVER;
  }
});

/**
 * A JSON value in one variable, checked by `shape`; unset or empty, `fallback` (or no value). Malformed JSON and a
 * value of the wrong shape are issues on the variable like any other ("APPLE_APPS.pickitchen.bundle_id: required").
 */
export function jsonSetting<T extends z.ZodType>(shape: T): z.ZodType<z.output<T> | undefined>;
export function jsonSetting<T extends z.ZodType>(shape: T, fallback: z.output<T>): z.ZodType<z.output<T>>;
export function jsonSetting<T extends z.ZodType>(shape: T, fallback?: z.output<T>) {
  const parsed = jsonText.pipe(shape);
  return z.preprocess(emptyIsUnset, fallback === undefined ? parsed.optional() : parsed.default(fallback as never));
}

/**
 * A rule across several settings (a `.refine` on the whole set), checked whenever the settings it reads are each
 * valid, so it is reported with the other problems instead of after they are fixed.
 */
export const across = <E>(names: (keyof E & string)[], message: string, path = names[0]) => ({
  message,
  path: [path],
  when: ({ issues }: { issues: readonly { path?: PropertyKey[] }[] }) =>
    !issues.some((issue) => names.includes(issue.path?.[0] as keyof E & string)),
});

/** "required" for a variable (or a field of a JSON one) that is missing, zod's own message for the rest. */
const requiredWhenMissing: z.core.$ZodErrorMap = (issue) =>
  issue.code === 'invalid_type' && issue.input === undefined ? 'required' : undefined;

/** Every problem of a configuration, one line each: `<VARIABLE>[.<field>…]: <what is wrong>`. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** `schema` applied to `env`; any problem throws one ConfigError listing them all. */
export function readEnv<T extends z.ZodType>(schema: T, env: Env): z.output<T> {
  const parsed = schema.safeParse(env, { error: requiredWhenMissing });
  if (parsed.success) return parsed.data;
  throw new ConfigError(parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(env)'}: ${i.message}`));
}
