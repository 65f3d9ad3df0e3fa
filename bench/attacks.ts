// The attacks of issue 11, written as a hostile tenant would write them, and the loop that keeps
// each attacking tenant cycling through all of them. Every answer is tallied by class and
// outcome (execution status and error code, or HTTP status and error code), so the benchmark
// shows which protections are in place whatever state they are in.
import type { ApiResponse, System } from "../test/support/system.ts";

export interface AttackClass {
  name: string;
  code: string;
  timeoutMs: number;
  /** Runs async with a ~1 MB input, several per turn: the storage and queue flood. */
  storage?: boolean;
  /** Holds memory: paused when the benchmark's own safety guard trips. */
  memory?: boolean;
}

// Each memory attack stops at this much (far past the 128 MB tier, so any cap shows), which
// keeps five tenants at it from taking the machine when nothing caps them.
const offHeapMb = 384;
const chunks = offHeapMb / 16;
const hold = "await new Promise((r) => setTimeout(r, 500));";

const allAttackClasses: AttackClass[] = [
  { name: "loop", timeoutMs: 1000, code: "export default () => { for (;;) {} }" },
  {
    name: "background: waitUntil",
    timeoutMs: 1000,
    code: `import { waitUntil } from "cloudflare:workers";
export default () => { waitUntil(new Promise((r) => setTimeout(r, 5)).then(() => { for (;;) {} })); return "ok"; }`,
  },
  { name: "background: setTimeout", timeoutMs: 1000, code: `export default () => { setTimeout(() => { for (;;) {} }, 5); return "ok"; }` },
  {
    name: "heap bomb",
    timeoutMs: 2000,
    memory: true,
    code: `export default async () => { const k = []; for (let i = 0; i < 1024; i++) k.push(new Array(131072).fill(1.5)); ${hold} return k.length; }`,
  },
  {
    name: "off-heap: Uint8Array",
    timeoutMs: 2000,
    memory: true,
    code: `export default async () => { const held = []; for (let i = 0; i < ${chunks}; i++) held.push(new Uint8Array(16 << 20).fill(i + 1)); ${hold} return held.length * 16; }`,
  },
  {
    name: "off-heap: Wasm memory",
    timeoutMs: 2000,
    memory: true,
    code: `export default async () => {
  const mem = new WebAssembly.Memory({ initial: 1, maximum: ${chunks * 256 + 1} });
  for (let i = 0; i < ${chunks}; i++) { const from = mem.buffer.byteLength; mem.grow(256); new Uint8Array(mem.buffer).fill(i + 1, from); }
  ${hold} return mem.buffer.byteLength >> 20; }`,
  },
  {
    name: "off-heap: SharedArrayBuffer",
    timeoutMs: 2000,
    memory: true,
    code: `export default async () => {
  if (typeof SharedArrayBuffer === "undefined") return "unavailable";
  const held = []; for (let i = 0; i < ${chunks}; i++) { const b = new SharedArrayBuffer(16 << 20); new Uint8Array(b).fill(i + 1); held.push(b); }
  ${hold} return held.length * 16; }`,
  },
  { name: "console flood", timeoutMs: 2000, code: `export default () => { for (let i = 0; i < 100000; i++) console.log("flood line", i); return "done"; }` },
  {
    name: "progress flood",
    timeoutMs: 2000,
    code: `export default (input, ctx) => { for (let i = 0; i < 100000; i++) ctx.progress(i % 100, "step " + i); return "done"; }`,
  },
  { name: "storage flood", timeoutMs: 2000, storage: true, code: `export default (input) => (typeof input === "string" ? input.length : 0)` },
];

/** What a request came back as: `succeeded`, `failed/MEMORY_LIMIT`, `202 queued`, `429 RATE_LIMITED`... */
export function outcomeOf(r: ApiResponse): string {
  const body = r.body as { status?: unknown; errorCode?: string | null; error?: { code?: string | null } | null; output?: unknown } | null;
  if (r.status === 0) return `no answer (${body?.error?.code})`;
  if (r.status === 200 && typeof body?.status === "string") {
    const code = body.errorCode ?? body.error?.code;
    const unavailable = body.output === "unavailable" ? " (unavailable)" : "";
    return body.status === "succeeded" || !code ? `${body.status}${unavailable}` : `${body.status}/${code}`;
  }
  if (r.status === 202) return `202 ${typeof body?.status === "string" ? body.status : ""}`.trim();
  return `${r.status} ${body?.error?.code ?? ""}`.trim();
}

/** A request whose connection failed answers status 0 instead of throwing. */
export async function answered(request: () => Promise<ApiResponse>): Promise<ApiResponse> {
  try {
    return await request();
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause;
    return { status: 0, headers: new Headers(), body: { error: { code: cause?.code ?? (e as Error).message } } };
  }
}

/** Counts by attack class and outcome; what was not sent (and why) is counted apart. */
export class Tally {
  readonly outcomes: Record<string, Record<string, number>> = {};
  readonly skipped: Record<string, Record<string, number>> = {};

  add(cls: string, outcome: string): void {
    const byOutcome = (this.outcomes[cls] ??= {});
    byOutcome[outcome] = (byOutcome[outcome] ?? 0) + 1;
  }

  skip(cls: string, reason: string): void {
    const byReason = (this.skipped[cls] ??= {});
    byReason[reason] = (byReason[reason] ?? 0) + 1;
  }

  rows(): Record<string, string | number>[] {
    const describe = (counts: Record<string, number> = {}) =>
      Object.entries(counts)
        .sort((a, b) => b[1] - a[1])
        .map(([k, n]) => `${k} x${n}`)
        .join(", ") || "-";
    return attackClasses.map((c) => ({
      attack: c.name,
      requests: Object.values(this.outcomes[c.name] ?? {}).reduce((a, b) => a + b, 0),
      outcomes: describe(this.outcomes[c.name]),
      "not sent": describe(this.skipped[c.name]),
    }));
  }
}

export interface Attacker {
  slug: string;
  token: string;
  /** Script id by attack class; a class whose script the API refused is missing. */
  scripts: Map<string, string>;
  storageSent: number;
}

export interface AttackOptions {
  workersPerTenant: number;
  stopped: () => boolean;
  memoryPaused: () => boolean;
  /** Async 1 MB runs per turn of the storage flood, and per tenant over the whole phase. */
  storageBurst: number;
  storageRunsPerTenant: number;
}

/** Creates every attack script for a tenant; a refusal is an outcome, not a crash. */
export async function prepareAttacker(system: System, slug: string, token: string, tally: Tally): Promise<Attacker> {
  const scripts = new Map<string, string>();
  for (const c of attackClasses) {
    try {
      scripts.set(c.name, await system.script({ name: c.name.replace(/\W+/g, "-"), code: c.code, timeoutMs: c.timeoutMs, memoryMb: 128 }, token));
    } catch (e) {
      tally.skip(c.name, `script refused: ${(e as Error).message.slice(0, 80)}`);
    }
  }
  return { slug, token, scripts, storageSent: 0 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const bigInput = "x".repeat(1_000_000); // ~1 MB as JSON, under the 1 MiB input cap

/** Every attacker's workers cycle through every class until `stopped()`. */
export async function attack(system: System, attackers: Attacker[], o: AttackOptions, tally: Tally): Promise<void> {
  const worker = async (a: Attacker, offset: number) => {
    for (let i = 0; !o.stopped() && i < 100_000; i++) {
      const c = attackClasses[(offset + i) % attackClasses.length]!;
      const id = a.scripts.get(c.name);
      const t0 = performance.now();
      let refused = false;
      if (!id) continue;
      if (c.memory && o.memoryPaused()) {
        tally.skip(c.name, "bench memory guard");
      } else if (c.storage) {
        for (let k = 0; k < o.storageBurst && !o.stopped(); k++) {
          if (a.storageSent >= o.storageRunsPerTenant) {
            tally.skip(c.name, "bench cap reached");
            break;
          }
          a.storageSent++;
          const r = await answered(() => system.api("POST", `/admin/api/scripts/${id}/runs`, { input: bigInput, mode: "async" }, { token: a.token }));
          tally.add(c.name, outcomeOf(r));
          refused ||= r.status === 429 || r.status === 503;
        }
      } else {
        const r = await answered(() => system.run(id, null, a.token));
        tally.add(c.name, outcomeOf(r));
        refused = r.status === 429 || r.status === 503;
      }
      // This benchmark measures the attacks above, not a flood of refused requests: a refused
      // worker backs off a little, and no worker turns faster than 50 times a second.
      const floor = refused ? 250 : 20;
      const spent = performance.now() - t0;
      if (spent < floor) await sleep(floor - spent);
    }
  };
  await Promise.all(attackers.flatMap((a, t) => Array.from({ length: o.workersPerTenant }, (_, w) => worker(a, t * 3 + w))));
}

// BENCH_ATTACKS=loop,heap bomb (names as above) runs only those classes, to see which one costs
// the neighbour what.
const only = process.env.BENCH_ATTACKS?.split(",")
  .map((n) => n.trim())
  .filter(Boolean);
export const attackClasses: AttackClass[] = only ? allAttackClasses.filter((c) => only.includes(c.name)) : allAttackClasses;
