// Scripts, their versions and schedules, and manual runs.
import * as z from "zod";
import { id, itemsOf } from "../../schemas/common.ts";
import { executionDetail, runAccepted, runRequest } from "../../schemas/executions.ts";
import { scheduleAnswer, schedulePreview, schedulePreviewQuery } from "../../schemas/schedule.ts";
import {
  createScriptRequest,
  rollbackRequest,
  scriptDetail,
  scriptFilters,
  scriptSummary,
  updateScriptRequest,
  versionDetail,
  versionParams,
  versionSummary,
} from "../../schemas/scripts.ts";
import { executionExample, scriptExample, versionExample } from "../examples.ts";
import { body, json, route } from "../operation.ts";

const tag = "Scripts";
const script = z.object({ id: id("scr") });
const { code: _code, sha256: _sha, ...summaryExample } = scriptExample;
const next = [
  { at: "2026-11-25T02:00:00+01:00", dstChange: false },
  { at: "2026-11-26T02:00:00+01:00", dstChange: false },
];

export const scriptRoutes = [
  route("post", "/admin/api/scripts", "createScript", {
    tag,
    who: "scripts.write",
    summary: "Create a script (version 1)",
    description:
      'One form per `kind`, each with its trigger settings beside the fields every script has. The code is parsed first: a syntax error is a 422 `SYNTAX_ERROR` with `details.line` and `details.column`, and nothing is stored. With `language: "ts"` the code is TypeScript: its types are stripped here, once, keeping every line and column (what runs is the stripped JavaScript; the version keeps the TypeScript); enums, namespaces and parameter properties are refused the same way, saying what to write instead. Type errors are not refused.',
    body: body(createScriptRequest, {
      kind: "scheduled",
      name: "nightly-export",
      code: scriptExample.code,
      cron: "0 2 * * *",
      timezone: "Europe/Berlin",
      tags: { team: "finance" },
    }),
    answers: [json(201, "Created; `Location` names it.", scriptDetail, { ...scriptExample, version: 1 })],
    errors: { 409: "A live script of the tenant has this name.", 413: "The code is over 1 MB (`field: code`), or the body is too large." },
  }),
  route("get", "/admin/api/scripts", "listScripts", {
    tag,
    who: "scripts.read",
    summary: "The tenant's scripts, by name, filtered",
    query: scriptFilters,
    answers: [json(200, "The scripts (without their code).", itemsOf(scriptSummary), { items: [summaryExample] })],
  }),
  route("get", "/admin/api/scripts/{id}", "getScript", {
    tag,
    who: "scripts.read",
    summary: "A script with its current code",
    params: script,
    answers: [json(200, "The script.", scriptDetail, scriptExample)],
  }),
  route("patch", "/admin/api/scripts/{id}", "updateScript", {
    tag,
    who: "scripts.write",
    summary: "Change a script: a new version iff the code changed",
    description:
      "Only what is sent changes. The script's own kind's settings only; `kind` cannot change. A new version is made when `code` or `language` changes (the code is checked as its language, as on create).",
    params: script,
    body: body(updateScriptRequest, { code: scriptExample.code, message: "Handle refunds", enabled: true }),
    answers: [json(200, "The script as it is now.", scriptDetail, scriptExample)],
    errors: { 409: "Another live script has the new name." },
  }),
  route("delete", "/admin/api/scripts/{id}", "deleteScript", {
    tag,
    who: "scripts.delete",
    summary: "Delete a script; its history and versions stay readable",
    params: script,
    answers: [{ status: 204, description: "Deleted." }],
  }),
  route("get", "/admin/api/sdk/types", "getSdkTypes", {
    tag,
    who: "any credential",
    summary: "The script SDK's TypeScript declarations, for editors",
    answers: [
      { status: 200, description: "A `.d.ts` module.", mediaType: "text/plain", example: "export interface ScriptContext {\n  tenant: string;\n  ...\n}\n" },
    ],
  }),
  route("get", "/admin/api/scripts/{id}/schedule", "getSchedule", {
    tag,
    who: "scripts.read",
    summary: "A scheduled script's next five runs, with offsets, marking those across a DST change",
    params: script,
    answers: [json(200, "The schedule.", scheduleAnswer, { cron: "0 2 * * *", timezone: "Europe/Berlin", enabled: true, next })],
    errors: { 422: "The script is not a scheduled one (`field: id`)." },
  }),
  route("get", "/admin/api/schedule/preview", "previewSchedule", {
    tag,
    who: "scripts.read",
    summary: "The next runs an unsaved cron would make in a zone",
    query: schedulePreviewQuery,
    answers: [json(200, "The next five runs.", schedulePreview, { next })],
  }),
  route("get", "/admin/api/scripts/{id}/versions", "listVersions", {
    tag,
    who: "scripts.read",
    summary: "A script's versions, newest first (immutable)",
    params: script,
    answers: [
      json(200, "The versions.", itemsOf(versionSummary), {
        items: [
          {
            number: 3,
            sha256: versionExample.sha256,
            language: "js",
            author: versionExample.author,
            createdAt: versionExample.createdAt,
            message: "Handle refunds",
          },
        ],
      }),
    ],
  }),
  route("get", "/admin/api/scripts/{id}/versions/{n}", "getVersion", {
    tag,
    who: "scripts.read",
    summary: "One version with its code",
    params: versionParams,
    answers: [json(200, "The version.", versionDetail, versionExample)],
    errors: { 422: "`n` is not a version number." },
  }),
  route("post", "/admin/api/scripts/{id}/rollback", "rollbackScript", {
    tag,
    who: "scripts.write",
    summary: "Roll back: a new version carrying an old version's code",
    params: script,
    body: body(rollbackRequest, { version: 1, message: "Back to the first rules" }),
    answers: [json(200, "The script with its new version.", scriptDetail, { ...scriptExample, version: 4 })],
  }),
  route("post", "/admin/api/scripts/{id}/runs", "runScript", {
    tag,
    who: "scripts.execute",
    summary: "Run a script now",
    description: "`sync` (the default) waits and answers the finished execution; `async` answers 202 at once, `Location` naming the execution to follow.",
    params: script,
    body: body(runRequest, { input: { sku: "A-1", qty: 12 }, mode: "sync" }),
    answers: [
      json(200, "The finished execution.", executionDetail, executionExample),
      json(202, "Accepted: it runs or waits in the tenant's queue.", runAccepted, { id: "exe_01jq3v2k7c9x8m", status: "queued" }),
    ],
    errors: {
      413: "The input is over 1 MB, or would pass the tenant's `maxQueuedBytes`.",
      429: "The tenant is at its concurrency limit (sync), or its queue or daily history budget is full; `Retry-After` says when to retry.",
      503: "No runner process is free (`RUNNER_BUSY`): retry after `Retry-After`.",
    },
  }),
];
