// Managing scripts over the API: create, read, edit, delete, versions and rollback, and the
// clear refusals a user gets for bad input, with nothing stored by a refused request.
import { createClient } from "@libsql/client";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";

const hello = `export default async function (input, ctx) {\n  return { hello: input?.name ?? "world" };\n}\n`;
let system: System;

beforeAll(async () => {
  system = await System.start();
});
afterAll(async () => {
  await system?.destroy();
});

describe("creating a script", () => {
  test("stores version 1 with its author and answers 201 with the script", async () => {
    const r = await system.api("POST", "/admin/api/scripts", {
      name: "greeter",
      kind: "manual",
      code: hello,
      description: "says hello",
      tags: { team: "finance", category: "exports" },
    });
    expect(r.status).toBe(201);
    expect(r.headers.get("location")).toBe(`/admin/api/scripts/${r.body.id}`);
    expect(r.body).toMatchObject({
      name: "greeter",
      kind: "manual",
      version: 1,
      enabled: true,
      timeoutMs: 30000,
      memoryMb: 256,
      code: hello,
      tags: { team: "finance" },
    });
    const versions = await system.api("GET", `/admin/api/scripts/${r.body.id}/versions`);
    expect(versions.body.items).toHaveLength(1);
    expect(versions.body.items[0]).toMatchObject({ number: 1, message: "created" });
    expect(versions.body.items[0].author).toContain("bootstrap platform admin");
    expect(versions.body.items[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  test("a syntax error answers 422 with line and column, and stores nothing", async () => {
    const r = await system.api("POST", "/admin/api/scripts", { name: "broken", kind: "manual", code: "export default async () => {\n  const x = ;\n}" });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: "SYNTAX_ERROR", field: "code", details: { line: 2, column: 13 } });
    expect(r.body.error.message).toContain("line 2, column 13");
    const list = await system.api("GET", "/admin/api/scripts?q=broken");
    expect(list.body.items).toEqual([]);
  });

  test("code without a default export is refused", async () => {
    const r = await system.api("POST", "/admin/api/scripts", { name: "nodefault", kind: "manual", code: "export const x = 1;" });
    expect(r.status).toBe(422);
    expect(r.body.error).toMatchObject({ code: "VALIDATION_FAILED", field: "code" });
  });

  test.each([
    [{ kind: "manual", code: hello }, "name"],
    [{ name: "x", code: hello }, "kind"],
    [{ name: "x", kind: "cronjob", code: hello }, "kind"],
    [{ name: "x", kind: "manual" }, "code"],
    [{ name: "x", kind: "manual", code: 42 }, "code"],
    [{ name: "has space", kind: "manual", code: hello }, "name"],
    [{ name: "x", kind: "manual", code: hello, timeoutMs: 10 }, "timeoutMs"],
    [{ name: "x", kind: "manual", code: hello, timeoutMs: 3_600_000 }, "timeoutMs"],
    [{ name: "x", kind: "manual", code: hello, memoryMb: 100_000 }, "memoryMb"],
    [{ name: "x", kind: "manual", code: hello, tags: ["a"] }, "tags"],
    [{ name: "x", kind: "manual", code: hello, tags: { team: 5 } }, "tags.team"],
    [{ name: "x", kind: "manual", code: hello, enabled: "yes" }, "enabled"],
    [{ name: "x", kind: "manual", code: hello, timeout: 5 }, "timeout"],
    [{ name: "x", kind: "scheduled", code: hello }, "cron"],
    [{ name: "x", kind: "scheduled", code: hello, cron: "0 2 * * *", timezone: "Mars/Olympus" }, "timezone"],
    [{ name: "x", kind: "http", code: hello }, "path"],
    [{ name: "x", kind: "http", code: hello, path: "/a", methods: ["FETCH"] }, "methods[0]"],
    [{ name: "x", kind: "event", code: hello, events: [] }, "events"],
    [{ name: "x", kind: "manual", code: hello, sdkVersion: "2" }, "sdkVersion"],
  ])("%j is refused naming %s", async (body, field) => {
    const r = await system.api("POST", "/admin/api/scripts", body);
    expect(r.status).toBe(422);
    expect(r.body.error.field).toBe(field);
    expect(r.body.error.message).toContain(field.split(/[.[]/)[0]);
    expect(JSON.stringify(r.body)).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  test("code over 1 MB answers 413 naming the field", async () => {
    const big = `export default () => 1;\n//${"x".repeat(1024 * 1024)}`;
    const r = await system.api("POST", "/admin/api/scripts", { name: "huge", kind: "manual", code: big });
    expect(r.status).toBe(413);
    expect(r.body.error).toMatchObject({ code: "PAYLOAD_TOO_LARGE", field: "code" });
  });

  test("a body that is not JSON, or not an object, answers 400", async () => {
    const notJson = await system.api("POST", "/admin/api/scripts", undefined, { raw: "{name: oops", headers: { "content-type": "application/json" } });
    expect(notJson.status).toBe(400);
    expect(notJson.body.error.code).toBe("BAD_REQUEST");
    const array = await system.api("POST", "/admin/api/scripts", [1, 2]);
    expect(array.status).toBe(400);
  });

  test("a second live script with the same name answers 409", async () => {
    await system.script({ name: "dup", code: hello });
    const r = await system.api("POST", "/admin/api/scripts", { name: "dup", kind: "manual", code: hello });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: "CONFLICT", field: "name" });
  });

  test("the kinds' trigger settings are stored with their defaults", async () => {
    const r = await system.api("POST", "/admin/api/scripts", { name: "nightly", kind: "scheduled", code: hello, cron: "0 2 * * *", timezone: "Europe/Berlin" });
    expect(r.status).toBe(201);
    expect(r.body.config).toEqual({ cron: "0 2 * * *", timezone: "Europe/Berlin", missedPolicy: "catch_up" });
    const h = await system.api("POST", "/admin/api/scripts", { name: "orders", kind: "http", code: hello, path: "/orders/:id", methods: ["GET", "POST"] });
    expect(h.body.config).toEqual({ path: "/orders/:id", methods: ["GET", "POST"], access: "token" });
    const e = await system.api("POST", "/admin/api/scripts", { name: "on-pay", kind: "event", code: hello, events: ["payment.processed", "client.*"] });
    expect(e.body.config).toEqual({ events: ["payment.processed", "client.*"], maxAttempts: 5 });
  });
});

describe("listing and reading scripts", () => {
  test("filters by kind, tag and text", async () => {
    await system.script({ name: "export-a", code: hello, tags: { team: "finance" } });
    await system.script({ name: "export-b", code: hello, tags: { team: "sales" }, description: "weekly export" });
    await system.script({ name: "pricing", kind: "embedded", code: hello, tags: { team: "finance" } });

    const finance = await system.api("GET", "/admin/api/scripts?tag=team:finance");
    const names = finance.body.items.map((s: { name: string }) => s.name);
    expect(names).toContain("export-a");
    expect(names).toContain("pricing");
    expect(names).not.toContain("export-b");

    const embedded = await system.api("GET", "/admin/api/scripts?kind=embedded");
    expect(embedded.body.items.map((s: { name: string }) => s.name)).toEqual(["pricing"]);

    const weekly = await system.api("GET", "/admin/api/scripts?q=weekly");
    expect(weekly.body.items.map((s: { name: string }) => s.name)).toEqual(["export-b"]);

    const both = await system.api("GET", "/admin/api/scripts?tag=team:finance&kind=manual&q=export");
    expect(both.body.items.map((s: { name: string }) => s.name)).toEqual(["export-a"]);
    expect(both.body.items[0].code).toBeUndefined();
  });

  test("bad filters answer 422 naming them", async () => {
    expect((await system.api("GET", "/admin/api/scripts?kind=nope")).body.error.field).toBe("kind");
    expect((await system.api("GET", "/admin/api/scripts?tag=nocolon")).body.error.field).toBe("tag");
  });

  test("an unknown id answers 404", async () => {
    const r = await system.api("GET", "/admin/api/scripts/scr_doesnotexist");
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe("NOT_FOUND");
    expect((await system.api("PATCH", "/admin/api/scripts/scr_doesnotexist", { enabled: false })).status).toBe(404);
    expect((await system.api("DELETE", "/admin/api/scripts/scr_doesnotexist")).status).toBe(404);
    expect((await system.api("GET", "/admin/api/scripts/scr_doesnotexist/versions")).status).toBe(404);
    expect((await system.api("POST", "/admin/api/scripts/scr_doesnotexist/runs", {})).status).toBe(404);
  });
});

describe("editing, versions and rollback", () => {
  test("a code change makes a new version; other edits do not", async () => {
    const id = await system.script({ name: "evolving", code: hello });
    const tagged = await system.api("PATCH", `/admin/api/scripts/${id}`, { tags: { team: "ops" }, enabled: false, timeoutMs: 5000 });
    expect(tagged.status).toBe(200);
    expect(tagged.body).toMatchObject({ version: 1, enabled: false, timeoutMs: 5000, tags: { team: "ops" } });

    const same = await system.api("PATCH", `/admin/api/scripts/${id}`, { code: hello });
    expect(same.body.version).toBe(1);

    const v2code = hello.replace("world", "there");
    const changed = await system.api("PATCH", `/admin/api/scripts/${id}`, { code: v2code, message: "friendlier" });
    expect(changed.body).toMatchObject({ version: 2, code: v2code });
    const versions = await system.api("GET", `/admin/api/scripts/${id}/versions`);
    expect(versions.body.items.map((v: { number: number; message: string }) => [v.number, v.message])).toEqual([
      [2, "friendlier"],
      [1, "created"],
    ]);
  });

  test("rollback adds a version carrying the old code, and old versions never change", async () => {
    const id = await system.script({ name: "rollme", code: hello });
    await system.api("PATCH", `/admin/api/scripts/${id}`, { code: "export default () => 2;" });
    await system.api("PATCH", `/admin/api/scripts/${id}`, { code: "export default () => 3;" });
    const rolled = await system.api("POST", `/admin/api/scripts/${id}/rollback`, { version: 1 });
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({ version: 4, code: hello });
    const v4 = await system.api("GET", `/admin/api/scripts/${id}/versions/4`);
    expect(v4.body).toMatchObject({ number: 4, code: hello, message: "rollback to version 1" });
    const v2 = await system.api("GET", `/admin/api/scripts/${id}/versions/2`);
    expect(v2.body.code).toBe("export default () => 2;");
    const run = await system.run(id, { name: "again" });
    expect(run.body).toMatchObject({ status: "succeeded", version: 4, output: { hello: "again" } });
  });

  test("rollback to a version that does not exist answers 404, a malformed one 422", async () => {
    const id = await system.script({ name: "rollbad", code: hello });
    expect((await system.api("POST", `/admin/api/scripts/${id}/rollback`, { version: 9 })).status).toBe(404);
    const bad = await system.api("POST", `/admin/api/scripts/${id}/rollback`, { version: "1" });
    expect(bad.status).toBe(422);
    expect(bad.body.error.field).toBe("version");
    expect((await system.api("GET", `/admin/api/scripts/${id}/versions/abc`)).status).toBe(422);
  });

  test("a PATCH with a syntax error changes nothing at all", async () => {
    const id = await system.script({ name: "keepme", code: hello, tags: { a: "1" } });
    const r = await system.api("PATCH", `/admin/api/scripts/${id}`, { code: "export default (", tags: { a: "2" } });
    expect(r.status).toBe(422);
    const after = await system.api("GET", `/admin/api/scripts/${id}`);
    expect(after.body).toMatchObject({ version: 1, code: hello, tags: { a: "1" } });
  });

  test("the kind of a script cannot be changed", async () => {
    const id = await system.script({ name: "fixedkind", code: hello });
    const r = await system.api("PATCH", `/admin/api/scripts/${id}`, { kind: "http" });
    expect(r.status).toBe(422);
    expect(r.body.error.field).toBe("kind");
  });

  test("the database itself refuses to change or delete a version", async () => {
    const id = await system.script({ name: "immutable", code: hello });
    const db = createClient({ url: `file:${join(system.dataDir, "iota.db")}` });
    try {
      await expect(db.execute({ sql: "UPDATE script_versions SET code = 'x' WHERE script_id = ?", args: [id] })).rejects.toThrow(/immutable/);
      await expect(db.execute({ sql: "DELETE FROM script_versions WHERE script_id = ?", args: [id] })).rejects.toThrow(/immutable/);
    } finally {
      db.close();
    }
    const v1 = await system.api("GET", `/admin/api/scripts/${id}/versions/1`);
    expect(v1.body.code).toBe(hello);
  });
});

describe("deleting a script", () => {
  test("answers 204, hides the script, keeps its history readable and frees its name", async () => {
    const id = await system.script({ name: "doomed", code: hello });
    const run = await system.run(id, { name: "last" });
    expect(run.body.status).toBe("succeeded");
    expect((await system.api("DELETE", `/admin/api/scripts/${id}`)).status).toBe(204);
    expect((await system.api("GET", `/admin/api/scripts/${id}`)).status).toBe(404);
    const execution = await system.api("GET", `/admin/api/executions/${run.body.id}`);
    expect(execution.status).toBe(200);
    expect(execution.body).toMatchObject({ scriptId: id, output: { hello: "last" } });
    const history = await system.api("GET", `/admin/api/executions?scriptId=${id}`);
    expect(history.body.items.map((e: { id: string }) => e.id)).toContain(run.body.id);
    await system.script({ name: "doomed", code: hello });
  });
});

describe("the SDK's types", () => {
  test("are served as generated TypeScript declarations for editors", async () => {
    const r = await fetch(`${system.baseUrl}/admin/api/sdk/types`, { headers: { authorization: `Bearer ${system.token}` } });
    expect(r.status).toBe(200);
    const text = await r.text();
    expect(text).toContain("export interface ScriptContext");
    expect(text).toContain("export declare const sdkVersion");
    expect(text).toMatch(/clients: Repository<Client/);
  });

  test("a new script pins the current SDK version", async () => {
    const r = await system.api("POST", "/admin/api/scripts", { name: "pinned", kind: "manual", code: hello });
    expect(r.body.sdkVersion).toBe("1");
  });
});
