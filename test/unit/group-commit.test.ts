// The shared-transaction writer: groups that arrive while a write is under way go together in
// the next one, each getting its own rows; one group's failure stays its own; a leader that
// never comes back is routed around.
import { afterEach, describe, expect, test, vi } from "vitest";
import type { Statement } from "../../db/proxy-protocol.ts";
import { GroupCommit } from "../../dispatcher/domain/group-commit.ts";

const stmt = (sql: string): Statement => ({ sql, params: [] });

/** A fake database: each write is held until released, and answers each statement with its SQL. */
function heldWrites() {
  const writes: { statements: Statement[]; release(): void; fail(error: Error): void }[] = [];
  const write = (statements: Statement[]) =>
    new Promise<unknown[][][]>((resolve, reject) => {
      writes.push({ statements, release: () => resolve(statements.map((s) => [[s.sql]])), fail: reject });
    });
  return { writes, write };
}

const tick = () => new Promise((r) => setImmediate(r));

afterEach(() => {
  vi.useRealTimers();
});

describe("GroupCommit", () => {
  test("groups arriving during a write share the next one, each in order with its own rows", async () => {
    const db = heldWrites();
    const commit = new GroupCommit(db.write);
    const a = commit.run([stmt("a1")]);
    await tick();
    const b = commit.run([stmt("b1"), stmt("b2")]);
    const c = commit.run([stmt("c1")]);
    await tick();
    expect(db.writes.map((w) => w.statements.map((s) => s.sql))).toEqual([["a1"]]);
    db.writes[0]!.release();
    expect(await a).toEqual([[["a1"]]]);
    await tick();
    expect(db.writes.map((w) => w.statements.map((s) => s.sql))).toEqual([["a1"], ["b1", "b2", "c1"]]);
    db.writes[1]!.release();
    expect(await b).toEqual([[["b1"]], [["b2"]]]);
    expect(await c).toEqual([[["c1"]]]);
  });

  test("big groups go alone, and small ones wait behind at most one of them", async () => {
    const db = heldWrites();
    const commit = new GroupCommit(db.write);
    const big = (name: string) => commit.run(Array.from({ length: 2500 }, (_, i) => stmt(`${name}${i}`)));
    const first = commit.run([stmt("first")]);
    await tick();
    const waiting = [big("a"), big("b"), big("c"), commit.run([stmt("small1")]), commit.run([stmt("small2")])];
    await tick();
    for (let i = 0; i < 5; i++) {
      db.writes[i]!.release();
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all([first, ...waiting]);
    const shapes = db.writes.map((w) =>
      w.statements
        .map((s) => s.sql.replace(/\d+$/, ""))
        .filter((sql, i, all) => all.indexOf(sql) === i)
        .join("+"),
    );
    // "first" went alone (nothing waited yet), then "a" alone, then both small groups together,
    // ahead of the older big ones, which follow one at a time.
    expect(shapes).toEqual(["first", "a", "small+small", "b", "c"].map((s) => (s === "small+small" ? "small" : s)));
    expect(db.writes[2]!.statements.map((s) => s.sql)).toEqual(["small1", "small2"]);
  });

  test("groups holding large values go alone too, so a flood of 1 MB inputs never holds a small write for long", async () => {
    const db = heldWrites();
    const commit = new GroupCommit(db.write);
    const large = (name: string) => commit.run([{ sql: name, params: ["x".repeat(1024 * 1024)] }]);
    const first = commit.run([stmt("first")]);
    await tick();
    const waiting = [large("a"), large("b"), large("c"), commit.run([stmt("small1")]), commit.run([stmt("small2")])];
    await tick();
    for (let i = 0; i < 5; i++) {
      db.writes[i]!.release();
      await new Promise((r) => setTimeout(r, 5));
    }
    await Promise.all([first, ...waiting]);
    expect(db.writes.map((w) => w.statements.map((s) => s.sql))).toEqual([["first"], ["a"], ["small1", "small2"], ["b"], ["c"]]);
  });

  test("when the shared write fails, each group is written alone and only the bad one fails", async () => {
    const write = async (statements: Statement[]) => {
      if (statements.some((s) => s.sql === "bad")) throw new Error("UNIQUE constraint failed");
      return statements.map((s) => [[s.sql]]);
    };
    const commit = new GroupCommit(write);
    const results = await Promise.allSettled([commit.run([stmt("ok1")]), commit.run([stmt("bad")]), commit.run([stmt("ok2")])]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[2] as PromiseFulfilledResult<unknown>).value).toEqual([[["ok2"]]]);
  });

  test("a leader whose write never returns is routed around, and its own groups are told", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval", "Date"] });
    const db = heldWrites();
    const commit = new GroupCommit(db.write);
    const lost = commit.run([stmt("never")]);
    const lostOutcome = lost.then(
      () => "resolved",
      (e: Error) => e.message,
    );
    await tick();
    const next = commit.run([stmt("after")]);
    await tick();
    expect(db.writes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(61_000);
    await tick();
    expect(db.writes.map((w) => w.statements.map((s) => s.sql))).toEqual([["never"], ["after"]]);
    db.writes[1]!.release();
    expect(await next).toEqual([[["after"]]]);
    expect(await lostOutcome).toMatch(/did not come back/);
  });
});
