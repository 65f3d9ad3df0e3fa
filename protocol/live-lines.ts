// The marked lines a runner writes for whoever keeps an execution's live state: the host reading
// a runner's stdout, or the Cloudflare build's tail on a script isolate. One format, written and
// read here: `<RS><marker> <execution>.<logKey> <kind><json>`. The runner's entry writes J (a job
// began: its tenant and timeout) and E (it ended); the harness writes S (the script got the
// process), L (a log line) and P (progress). Scripts never learn the marker, and a line counts
// only with its execution's own log key, so no script can write into another's record.
//
// Pure string work with no globals: the harness calls it after user code ran.

export type LiveLineKind = "J" | "E" | "S" | "L" | "P";

/** One line; `json` is the data already encoded (the harness encodes with what it captured). */
export function liveLine(marker: string, executionId: string, logKey: string, kind: LiveLineKind, json: string): string {
  return `\u001e${marker} ${executionId}.${logKey} ${kind}${json}`;
}

export interface LiveLine {
  executionId: string;
  key: string;
  kind: string;
  /** The line's data; undefined when it was cut short (a process killed mid-write). */
  data: unknown;
}

/** The line read, `undefined` when it is not one of ours (no marker), `null` when ours but malformed. */
export function readLiveLine(line: string, marker: string): LiveLine | null | undefined {
  const prefix = `\u001e${marker} `;
  if (!line.startsWith(prefix)) return undefined;
  const rest = line.slice(prefix.length);
  const space = rest.indexOf(" ");
  if (space < 0) return null;
  const [executionId = "", key = ""] = rest.slice(0, space).split(".");
  let data: unknown;
  try {
    data = JSON.parse(rest.slice(space + 2));
  } catch {
    data = undefined;
  }
  return { executionId, key, kind: rest[space + 1] ?? "", data };
}
