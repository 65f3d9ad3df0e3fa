// The cron editor explains an expression in words, refusing what the server refuses with the same messages.
import { describe, expect, test } from "vitest";
import { explainCron } from "../../protocol/cron/explain.ts";

describe("the cron explanation", () => {
  test.each([
    ["0 2 * * *", "At 02:00."],
    ["*/15 * * * *", "Every 15 minutes."],
    ["* * * * *", "Every minute."],
    ["30 8 * * 1-5", "At 08:30, Monday through Friday."],
    ["0 9 1 * *", "At 09:00, on day 1 of the month."],
    ["5 * * * *", "At 5 minutes past the hour."],
    ["0 0 * 1,7 SUN", "At 00:00, only on Sunday, only in January and July."],
    ["*/10 9-17 * * MON-FRI", "Every 10 minutes, between 09:00 and 17:59, Monday through Friday."],
    ["30 */2 * * *", "At 30 minutes past the hour, every 2 hours."],
  ])("reads %s as %s", (cron, summary) => {
    expect(explainCron(cron).summary).toBe(summary);
  });

  test("explains each field on its own", () => {
    const { fields } = explainCron("*/10 9-17 * * MON-FRI");
    expect(fields.map((f) => [f.name, f.meaning])).toEqual([
      ["minute", "every 10 minutes"],
      ["hour", "between 09:00 and 17:59"],
      ["day-of-month", "every day"],
      ["month", "every month"],
      ["day-of-week", "Monday through Friday"],
    ]);
  });

  test("names the field at fault and why", () => {
    const e = explainCron("0 24 * * *");
    expect(e.summary).toBeUndefined();
    expect(e.error).toBe("hour field: 24 is out of range 0-23");
    expect(e.fields[1]).toMatchObject({ name: "hour", error: "24 is out of range 0-23" });
    expect(explainCron("0 2 * *").error).toMatch(/has 4/);
    expect(explainCron("0 2 * * 5-1").error).toBe("day-of-week field: range 5-1 runs backwards");
    expect(explainCron("0 2 * * FUNDAY").error).toMatch(/^day-of-week field: "FUNDAY" is not a number/);
  });
});
