// Watching a run live (server-sent events), progress, re-running, and the history charts' data.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { readSse, type SseEvent } from "../support/sse.ts";
import { System } from "../support/system.ts";

let system: System;

beforeAll(async () => {
  system = await System.start();
});
afterAll(async () => {
  await system?.destroy();
});

async function readStream(path: string): Promise<SseEvent[]> {
  const response = await fetch(`${system.baseUrl}${path}`, { headers: { authorization: `Bearer ${system.token}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/event-stream");
  return readSse(response);
}

const importer = `export default async function (input, ctx) {
  for (let i = 1; i <= input.batches; i++) {
    await new Promise((r) => setTimeout(r, 250));
    console.log("imported batch", i);
    ctx.progress((i / input.batches) * 100, i + " of " + input.batches + " batches");
  }
  return { imported: input.batches * 100 };
}`;

describe("a live run", () => {
  test("streams log lines and progress while it runs, then the final record", async () => {
    const id = await system.script({ name: "importer", code: importer });
    const started = await system.api("POST", `/admin/api/scripts/${id}/runs`, { input: { batches: 4 }, mode: "async" });
    const events = await readStream(`/admin/api/executions/${started.body.id}/stream`);
    const logs = events.filter((e) => e.event === "log").map((e) => e.data.message);
    expect(logs).toEqual(["imported batch 1", "imported batch 2", "imported batch 3", "imported batch 4"]);
    const progress = events.filter((e) => e.event === "progress").map((e) => e.data);
    expect(progress.at(-1)).toEqual({ percent: 100, message: "4 of 4 batches" });
    // Live means before the end: the first line arrived well before the final record.
    const end = events.at(-1)!;
    expect(end.event).toBe("end");
    expect(events.findIndex((e) => e.event === "log")).toBeLessThan(events.length - 1);
    expect(end.at - events.find((e) => e.event === "log")!.at).toBeGreaterThan(300);
    expect(end.data).toMatchObject({ status: "succeeded", output: { imported: 400 }, progress: { percent: 100, message: "4 of 4 batches" } });
  });

  test("a finished execution's stream replays its lines and ends at once", async () => {
    const id = await system.script({
      name: "quick-one",
      code: `export default (i, ctx) => { console.log("one"); console.warn("two"); ctx.progress(50); return 1; }`,
    });
    const run = await system.run(id, null);
    const events = await readStream(`/admin/api/executions/${run.body.id}/stream`);
    expect(events.map((e) => e.event)).toEqual(["log", "log", "progress", "end"]);
    expect(events[3]!.data.id).toBe(run.body.id);
  });

  test("another tenant's stream is a 404", async () => {
    const other = await system.tenant("stream-other");
    const id = await system.script({ name: "private-stream", code: `export default () => 1` });
    const run = await system.run(id, null);
    const r = await system.api("GET", `/admin/api/executions/${run.body.id}/stream`, undefined, { token: other.token });
    expect(r.status).toBe(404);
  });

  test("a bad progress call fails the run with a clear message", async () => {
    const id = await system.script({ name: "bad-progress", code: `export default (i, ctx) => ctx.progress("half")` });
    const run = await system.run(id, null);
    expect(run.body).toMatchObject({ status: "failed", error: { message: expect.stringContaining("percent must be a number") } });
  });
});

describe("re-running", () => {
  test("runs the script again with the same input, or an edited one, linked to the original", async () => {
    const id = await system.script({ name: "rerunnable", code: `export default (i) => { if (!i.ok) throw new Error("not ok"); return i; }` });
    const failed = await system.run(id, { ok: false, n: 1 });
    expect(failed.body.status).toBe("failed");
    const same = await system.api("POST", `/admin/api/executions/${failed.body.id}/rerun`, {});
    expect(same.body).toMatchObject({ status: "failed", input: { ok: false, n: 1 }, rerunOf: failed.body.id });
    const edited = await system.api("POST", `/admin/api/executions/${failed.body.id}/rerun`, { input: { ok: true, n: 2 } });
    expect(edited.body).toMatchObject({ status: "succeeded", output: { ok: true, n: 2 }, rerunOf: failed.body.id });
    expect((await system.api("POST", "/admin/api/executions/exe_nope/rerun", {})).status).toBe(404);
  });
});

describe("history statistics", () => {
  test("count runs per day by status, with duration percentiles", async () => {
    const id = await system.script({ name: "counted", code: `export default (i) => { if (i) throw new Error("x"); return 1; }` });
    for (const fail of [false, false, true]) await system.run(id, fail);
    const stats = await system.api("GET", `/admin/api/stats/executions?days=7&scriptId=${id}`);
    expect(stats.status).toBe(200);
    expect(stats.body.days).toHaveLength(7);
    const today = stats.body.days.at(-1);
    expect(today.day).toBe(new Date().toISOString().slice(0, 10));
    expect(today.counts).toEqual({ succeeded: 2, failed: 1 });
    expect(today.p50Ms).toBeGreaterThanOrEqual(0);
    expect(today.p95Ms).toBeGreaterThanOrEqual(today.p50Ms);
    expect(stats.body.days[0].counts).toEqual({});
    expect((await system.api("GET", "/admin/api/stats/executions?days=1000")).body.error.field).toBe("days");
  });
});
