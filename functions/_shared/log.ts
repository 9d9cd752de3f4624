// One structured log line for an event outside a request's own line (request-log.ts writes those): JSON with its
// level, time and message, on stderr for warnings and errors.
export function logEvent(level: 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ level, time: new Date().toISOString(), msg, ...fields });
  if (level === 'info') console.log(line);
  else console.error(line);
}
