// The one parser for times in query parameters: ISO 8601 (as RFC 3339 profiles it) and nothing
// that merely looks like a date to Date.parse.
import { describe, expect, test } from "vitest";
import { isoTime } from "../../protocol/schemas/time.ts";

describe("isoTime", () => {
  test.each([
    ["2026-03-05", "2026-03-05T00:00:00.000Z"],
    ["2024-02-29", "2024-02-29T00:00:00.000Z"],
    ["2026-03-05T12:00Z", "2026-03-05T12:00:00.000Z"],
    ["2026-03-05T12:00:30.5Z", "2026-03-05T12:00:30.500Z"],
    ["2026-03-05T12:00:30.123456789+02:00", "2026-03-05T10:00:30.123Z"],
    ["2026-03-05T12:00:30-0530", "2026-03-05T17:30:30.000Z"],
    ["2026-03-01T00:30+01:00", "2026-02-28T23:30:00.000Z"],
    ["0050-01-01", "0050-01-01T00:00:00.000Z"],
  ])("%s is %s", (value, expected) => expect(isoTime(value, "since")).toBe(expected));

  test.each([
    "1",
    "",
    "March 5",
    "2026",
    "2026-03",
    "2026-3-5",
    "2026-02-29",
    "2026-13-01",
    "2026-00-10",
    "2026-04-31",
    "2026-03-05T12:00",
    "2026-03-05T12Z",
    "2026-03-05T24:00:00Z",
    "2026-03-05T12:60Z",
    "2026-03-05T12:00:60Z",
    "2026-03-05 12:00:00Z",
    "2026-03-05T12:00:00z",
    " 2026-03-05",
    "2026-03-05T12:00:00+24:00",
    "Thu, 05 Mar 2026 12:00:00 GMT",
  ])("%j is refused, naming the field", (value) => {
    expect(() => isoTime(value, "until")).toThrow(expect.objectContaining({ code: "VALIDATION_FAILED", field: "until" }));
  });
});
