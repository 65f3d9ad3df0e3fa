// Bad input on the management API: each refusal with its exact status, code, message and field,
// the same on both builds, and nothing stored lost to a bad update.
import { describe, expect, test } from "vitest";
import { answerOf, invalid, refused } from "./answers.ts";
import type { SharedWorld } from "./system-under-test.ts";

const syntaxError = (line: number, column: number) =>
  refused(422, "SYNTAX_ERROR", `syntax error at line ${line}, column ${column}: Unexpected token`, "code", { line, column });
const notJson = (reason: string) => refused(400, "BAD_REQUEST", `the request body is not valid JSON: ${reason}`);
const kinds = "scheduled, http, event, manual, embedded";
const timeoutRange = invalid("timeoutMs", "timeoutMs must be a whole number from 100 to 900000");
const code = "export default (input, ctx) => ctx.tenant.slug;";

export function badInput(world: () => SharedWorld): void {
  const api = (method: string, path: string, body?: unknown, options?: Parameters<SharedWorld["system"]["api"]>[3]) =>
    world().system.api(method, path, body, { token: world().acme.owner, ...options });

  describe("bad input on management routes", () => {
    test("each bad create is refused with its status, code, message and field", async () => {
      const create = (body: unknown) => api("POST", "/admin/api/scripts", body);
      const raw = (payload: string, contentType: string) =>
        api("POST", "/admin/api/scripts", undefined, { raw: payload, headers: { "content-type": contentType } });
      const answers = {
        malformedJson: answerOf(await raw('{"name": "x",', "application/json")),
        notAnObject: answerOf(await raw("[1, 2]", "application/json")),
        formEncoded: answerOf(await raw("name=x&kind=manual", "application/x-www-form-urlencoded")),
        oversized: answerOf(await create({ name: "big", kind: "manual", code: `export default () => 1; // ${"x".repeat(1200 * 1024)}` })),
        missingName: answerOf(await create({ kind: "manual", code })),
        badName: answerOf(await create({ name: "no spaces please", kind: "manual", code })),
        missingKind: answerOf(await create({ name: "k", code })),
        unknownKind: answerOf(await create({ name: "k", kind: "sometimes", code })),
        unknownField: answerOf(await create({ name: "k", kind: "manual", code, tenant: "globex" })),
        syntaxError: answerOf(await create({ name: "k", kind: "manual", code: "export default () => {" })),
        badCron: answerOf(await create({ name: "c", kind: "scheduled", cron: "61 * * * *", code })),
        impossibleCron: answerOf(await create({ name: "c", kind: "scheduled", cron: "0 0 30 2 *", code })),
        badTimeZone: answerOf(await create({ name: "c", kind: "scheduled", cron: "0 * * * *", timezone: "Mars/Olympus", code })),
        timeoutAboveMax: answerOf(await create({ name: "t", kind: "manual", timeoutMs: 900_001, code })),
        httpWithoutPath: answerOf(await create({ name: "h", kind: "http", code })),
      };
      expect(answers).toEqual({
        malformedJson: notJson("Expected double-quoted property name in JSON at position 13 (line 1 column 14)"),
        notAnObject: refused(400, "BAD_REQUEST", "the request body must be a JSON object"),
        formEncoded: notJson(`Unexpected token 'a', "name=x&kind=manual" is not valid JSON`),
        oversized: refused(413, "PAYLOAD_TOO_LARGE", `the request body is larger than ${1024 * 1024 + 64 * 1024} bytes`),
        missingName: invalid("name", "name is required"),
        badName: invalid("name", 'name must start with a letter or digit and use only letters, digits, "_", "." and "-"'),
        missingKind: invalid("kind", `kind is required: one of ${kinds}`),
        unknownKind: invalid("kind", `kind must be one of ${kinds}`),
        unknownField: invalid(
          "tenant",
          'unknown field "tenant"; expected one of: kind, name, description, tags, enabled, timeoutMs, memoryMb, message, alerts, sdkVersion, language, code',
        ),
        syntaxError: syntaxError(1, 23),
        badCron: invalid("cron", "cron: minute field: 61 is out of range 0-59"),
        impossibleCron: invalid("cron", "cron: day-of-month field: day 30 never comes in month 2, so this schedule never runs"),
        badTimeZone: invalid("timezone", 'timezone: "Mars/Olympus" is not a known IANA time zone (like "Europe/Berlin")'),
        timeoutAboveMax: timeoutRange,
        httpWithoutPath: invalid("path", 'path is required for an http script (like "/orders/:id")'),
      });
      // None of them stored anything.
      const names = (await api("GET", "/admin/api/scripts")).body.items.map((s: { name: string }) => s.name);
      expect(names.filter((n: string) => ["x", "big", "k", "c", "t", "h"].includes(n))).toEqual([]);
    });

    test("a JSON body labelled text/plain is read as JSON on both builds", async () => {
      const r = await api("POST", "/admin/api/scripts", undefined, {
        raw: JSON.stringify({ name: "labelled-text", kind: "manual", code }),
        headers: { "content-type": "text/plain" },
      });
      expect(answerOf(r)).toEqual({ status: 201 });
    });

    test("a bad update is refused and loses nothing stored", async () => {
      const id = await world().system.script({ name: "nightly", kind: "scheduled", cron: "0 3 * * *", timezone: "Europe/Berlin", code }, world().acme.owner);
      const before = (await api("GET", `/admin/api/scripts/${id}`)).body;
      const patch = async (body: unknown) => answerOf(await api("PATCH", `/admin/api/scripts/${id}`, body));
      const answers = {
        badCron: await patch({ cron: "* * *" }),
        badTimeZone: await patch({ timezone: "Nowhere/Land", description: "changed" }),
        otherKind: await patch({ kind: "manual" }),
        syntaxError: await patch({ code: "export default (" }),
        timeoutAboveMax: await patch({ timeoutMs: 10_000_000 }),
        malformedJson: answerOf(await api("PATCH", `/admin/api/scripts/${id}`, undefined, { raw: "{", headers: { "content-type": "application/json" } })),
      };
      expect(answers).toEqual({
        badCron: invalid("cron", "cron: a cron expression has 5 fields (minute hour day-of-month month day-of-week); this one has 3"),
        badTimeZone: invalid("timezone", 'timezone: "Nowhere/Land" is not a known IANA time zone (like "Europe/Berlin")'),
        otherKind: invalid("kind", "kind cannot be changed; create a new script instead"),
        syntaxError: syntaxError(1, 17),
        timeoutAboveMax: timeoutRange,
        malformedJson: notJson("Expected property name or '}' in JSON at position 1 (line 1 column 2)"),
      });
      expect((await api("GET", `/admin/api/scripts/${id}`)).body).toEqual(before);
      expect((await api("GET", `/admin/api/scripts/${id}/versions`)).body.items).toHaveLength(1);
    });

    test("memoryMb above 128 is refused on Cloudflare only (128 MB per isolate there), where it is also the default", async () => {
      const id = await world().system.script({ name: "memory", code }, world().acme.owner);
      const cloudflare = world().build === "cloudflare";
      expect((await api("GET", `/admin/api/scripts/${id}`)).body.memoryMb).toBe(cloudflare ? 128 : 256);
      const r = answerOf(await api("PATCH", `/admin/api/scripts/${id}`, { memoryMb: 256 }));
      expect(r).toEqual(
        cloudflare ? refused(422, "VALIDATION_FAILED", "memoryMb must be from 16 to 128 (the runners' largest memory tier)", "memoryMb") : { status: 200 },
      );
    });
  });
}
