// The API's schemas say what is wrong the way the API always has: the field at fault as a dotted
// path, a message that names it, and a status that fits; and every example the reference shows
// is one the schemas accept.
import { describe, expect, test } from "vitest";
import type * as z from "zod";
import { routes } from "../../protocol/openapi/document.ts";
import { publishBatchRequest } from "../../protocol/schemas/events.ts";
import { errorAnswer } from "../../protocol/schemas/errors.ts";
import { parseOrThrow } from "../../protocol/schemas/problems.ts";
import { createScriptRequest, updateScriptForms } from "../../protocol/schemas/scripts.ts";

const code = "export default () => 1";
const refusal = (schema: z.ZodType, value: unknown) => {
  try {
    parseOrThrow(schema, value);
  } catch (e) {
    return e as { code: string; field?: string; message: string; status: number };
  }
  throw new Error("accepted");
};

describe("refusals", () => {
  test.each([
    [{ kind: "manual", code, name: "x", tags: { team: 5 } }, "tags.team", "tags.team must be a string"],
    [{ kind: "manual", code, name: "x", timeout: 5 }, "timeout", 'unknown field "timeout"; expected one of: kind, name'],
    [{ kind: "http", code, name: "x", path: "/a", methods: ["GET", "FETCH"] }, "methods[1]", "methods[1] must be among GET"],
    [{ kind: "http", code, name: "x", path: "/a", access: "hmac" }, "hmacSecret", "hmacSecret is required when access is hmac"],
    [{ kind: "scheduled", code, name: "x", cron: "0 0 31 2 *" }, "cron", "never"],
    [{ kind: "scheduled", code, name: "x", cron: "60 * * * *" }, "cron", "cron: minute field: 60 is out of range"],
    [{ code, name: "x" }, "kind", "kind is required: one of"],
    [{ kind: "cronjob", code, name: "x" }, "kind", "kind must be one of"],
    [{ kind: "manual", code, name: "x", alerts: [{ on: ["failed"] }] }, "alerts[0]", "alerts[0] needs a channel"],
    [{ kind: "manual", code, name: "x", alerts: [{ on: ["failed"], email: "ops@x.io", sms: "1" }] }, "alerts[0].sms", 'unknown field "alerts[0].sms"'],
  ])("%j: %s", (body, field, message) => {
    const e = refusal(createScriptRequest, body);
    expect([e.code, e.status, e.field]).toEqual(["VALIDATION_FAILED", 422, field]);
    expect(e.message).toContain(message);
  });

  test("an event in a batch is named by its place", () => {
    const e = refusal(publishBatchRequest, {
      events: [
        { id: "a", type: "a.b" },
        { id: "b", type: "Not A Type" },
      ],
    });
    expect(e.field).toBe("events[1].type");
  });

  test("code over its cap is a 413 naming the field; a body that is not an object a 400", () => {
    const big = refusal(createScriptRequest, { kind: "manual", name: "x", code: "x".repeat(1024 * 1024 + 1) });
    expect([big.code, big.status, big.field]).toEqual(["PAYLOAD_TOO_LARGE", 413, "code"]);
    const list = refusal(createScriptRequest, [1, 2]);
    expect([list.code, list.status, list.field]).toEqual(["BAD_REQUEST", 400, undefined]);
  });

  test("an update takes only its own kind's settings", () => {
    expect(refusal(updateScriptForms.manual, { cron: "0 2 * * *" }).field).toBe("cron");
    expect(parseOrThrow(updateScriptForms.scheduled, { cron: "0 2 * * *" })).toEqual({ cron: "0 2 * * *" });
  });
});

describe("the reference's examples", () => {
  type Media = { schema?: z.ZodType; example?: unknown };
  const media = (content: Record<string, Media> | undefined) => content?.["application/json"];
  const isSchema = (s: unknown): s is z.ZodType => typeof (s as { safeParse?: unknown })?.safeParse === "function";

  test.each(routes.map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))("%s", (_, { operation }) => {
    const request = media(operation.requestBody?.content as Record<string, Media>);
    if (request && isSchema(request.schema)) expect(request.schema.safeParse(request.example).error?.issues ?? []).toEqual([]);
    for (const [status, response] of Object.entries(operation.responses)) {
      const answer = media((response as { content?: Record<string, Media> }).content);
      if (!answer || !isSchema(answer.schema)) continue;
      expect(answer.schema.safeParse(answer.example).error?.issues ?? [], status).toEqual([]);
      if (/^[45]/.test(status) && answer.schema !== errorAnswer) expect(status).toBe("503"); // only readiness answers 503 with its own body
    }
  });
});
