// The host's structured log: one JSON object per line on stderr.

type Level = "debug" | "info" | "warn" | "error";
const order: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface HostLog {
  debug(event: string, fields?: Record<string, unknown>): void;
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

/** Whether a line at this level passes LOG_LEVEL. */
export function logs(level: string): boolean {
  const minimum = (process.env.LOG_LEVEL as Level) || "info";
  return (order[level as Level] ?? 20) >= (order[minimum] ?? 20);
}

export function createLog(minimum: Level = (process.env.LOG_LEVEL as Level) || "info"): HostLog {
  const emit =
    (level: Level) =>
    (event: string, fields: Record<string, unknown> = {}) => {
      if (order[level] < (order[minimum] ?? 20)) return;
      process.stderr.write(`${JSON.stringify({ at: new Date().toISOString(), level, event, ...fields })}\n`);
    };
  return { debug: emit("debug"), info: emit("info"), warn: emit("warn"), error: emit("error") };
}
