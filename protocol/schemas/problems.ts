// From a schema's issues to the API's one error: `{code, message, field}` naming the field at
// fault as a dotted path (`tags.team`, `events[1].type`). The dispatcher answers with it; the
// admin puts the message beside the field it names.
import type * as z from "zod";
import { AppError, type ErrorCode } from "../errors.ts";

type Issue = z.core.$ZodIssue;
type Path = readonly PropertyKey[];

/** A check that means a status other than 422 says so in its params: `{code: "PAYLOAD_TOO_LARGE"}`. */
export interface IssueParams {
  code?: ErrorCode;
}

/** A path as the API names fields: `tags.team`, `methods[0]`, `events[1].type`. */
export function fieldPath(path: Path): string {
  let out = "";
  for (const key of path) out = typeof key === "number" ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key);
  return out;
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? "" : "s"}`;

/** What a zod issue means, as a predicate; checks that say it themselves keep their words. */
function predicate(issue: z.core.$ZodRawIssue): string | undefined {
  switch (issue.code) {
    case "invalid_type": {
      if (issue.input === undefined) return "is required";
      const expected: Record<string, string> = { int: "a whole number", boolean: "true or false", array: "a list", object: "an object", record: "an object" };
      return `must be ${expected[issue.expected] ?? `a ${issue.expected}`}`;
    }
    case "too_small":
      if (issue.origin === "string")
        return Number(issue.minimum) === 1 ? "must not be empty" : `must be at least ${plural(Number(issue.minimum), "character")}`;
      if (issue.origin === "array") return `must have at least ${plural(Number(issue.minimum), "item")}`;
      return `must be at least ${issue.minimum}`;
    case "too_big":
      if (issue.origin === "string") return `must be at most ${plural(Number(issue.maximum), "character")}`;
      if (issue.origin === "array") return `may have at most ${plural(Number(issue.maximum), "item")}`;
      return `must be at most ${issue.maximum}`;
    case "invalid_value":
      return `must be one of: ${issue.values.map(String).join(", ")}`;
    case "invalid_format":
      return "has an invalid format";
    case "invalid_union":
      return "does not match any of the forms this field takes";
    case "unrecognized_keys":
      return "is not a field here";
    default:
      return undefined;
  }
}

/** The error map every parse of the API's schemas uses (schemas' own messages come first). */
export const apiMessages: z.core.$ZodErrorMap = (issue) => predicate(issue);

/** `field must ...` for a predicate, `field: ...` for anything else. */
export function sentence(field: string, message: string): string {
  if (!field) return message;
  return /^(must|is|are|has|may|needs|cannot|does)\b/.test(message) ? `${field} ${message}` : `${field}: ${message}`;
}

/**
 * Lists whose wrong item is reported as the list: an alert rule's outcomes (`alerts[0].on must
 * list outcomes among ...`), as the API has always named them; other lists name the item
 * (`methods[1]`, `domains[0]`).
 */
const reportedAsList = new Set<PropertyKey>(["on"]);

/** The field an issue is about: an unknown field names itself, not the object holding it. */
export function issueField(issue: Issue): string {
  if (issue.code === "unrecognized_keys") return fieldPath([...issue.path, issue.keys[0]!]);
  const [parent, last] = issue.path.slice(-2);
  if (issue.code === "invalid_value" && typeof last === "number" && parent !== undefined && reportedAsList.has(parent))
    return fieldPath(issue.path.slice(0, -1));
  return fieldPath(issue.path);
}

/** The issue to report: an unknown field first (it is most often a typo), else the first one. */
export function firstIssue(issues: readonly Issue[]): Issue {
  return issues.find((i) => i.code === "unrecognized_keys") ?? issues[0]!;
}

/** The answer to a refused request body, query or path parameter. */
export function problemOf(issues: readonly Issue[], what = "the request body"): AppError {
  const issue = firstIssue(issues);
  if (issue.path.length === 0 && issue.code === "invalid_type") return new AppError("BAD_REQUEST", `${what} must be a JSON object`);
  const field = issueField(issue);
  const message =
    issue.code === "unrecognized_keys"
      ? `unknown field "${field}"${issue.message.startsWith("expected") ? `; ${issue.message}` : ""}`
      : sentence(field, issue.message);
  const code = (issue.code === "custom" ? (issue.params as IssueParams | undefined)?.code : undefined) ?? "VALIDATION_FAILED";
  return new AppError(code, message, field ? { field } : {});
}

/** Parses or throws the API's error for the first problem. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what?: string): z.output<S> {
  const result = schema.safeParse(value, { error: apiMessages });
  if (!result.success) throw problemOf(result.error.issues, what);
  return result.data;
}
