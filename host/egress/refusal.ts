// What a script is told when the proxy will not, or cannot, fetch for it. The message is the
// whole explanation a script author gets, so it names the URL and the rule, and nothing else:
// no internal addresses beyond the ones the script itself caused us to look up, no stack traces.

export type EgressCode = "EGRESS_BLOCKED" | "EGRESS_LIMIT" | "EGRESS_BAD_URL" | "EGRESS_TIMEOUT" | "EGRESS_TOO_LARGE" | "EGRESS_FAILED";

export interface Refusal {
  code: EgressCode;
  message: string;
}

/** `fetch to http://10.0.0.5/ refused: 10.0.0.5 is a private address (10.0.0.0/8)`. */
export function refusal(code: EgressCode, url: string, reason: string): Refusal {
  // A policy says no; a timeout or a broken server is a failure. Scripts read the difference.
  const verb = code === "EGRESS_TIMEOUT" || code === "EGRESS_FAILED" ? "failed" : "refused";
  return { code, message: `fetch to ${url} ${verb}: ${reason}` };
}

/** How a transport tells the exchange that a hop went wrong, with what it had got so far. */
export class UpstreamFailure extends Error {
  override readonly name = "UpstreamFailure";
  readonly code: "EGRESS_TOO_LARGE" | "EGRESS_FAILED";
  readonly status: number | null;
  readonly bytes: number;

  constructor(code: "EGRESS_TOO_LARGE" | "EGRESS_FAILED", reason: string, progress: { status?: number | null; bytes?: number } = {}) {
    super(reason);
    this.code = code;
    this.status = progress.status ?? null;
    this.bytes = progress.bytes ?? 0;
  }
}
