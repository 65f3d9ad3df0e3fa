// Checks that hold for any two hosts sharing one database, whichever way they share it (a file:
// URL, a libSQL server): one definition, run by each test file that starts such a pair.
import { expect } from "vitest";
import type { System } from "./system.ts";

/** A script and its secret saved through `a` run through `b` (so both seal with one key), and `a` lists the run. */
export async function savedOnOneRunsOnTheOther(a: System, b: System, slug: string): Promise<void> {
  const tenant = await a.tenant(slug);
  await a.api("PUT", "/admin/api/secrets/greeting", { value: "hello from a" }, { token: tenant.token });
  const id = await a.script(
    { name: "greets", code: "export default async (input, ctx) => `${(await ctx.secrets.get('greeting')).toUpperCase()}, ${input.who}`" },
    tenant.token,
  );
  const run = await b.run(id, { who: "b" }, tenant.token);
  expect(run.body).toMatchObject({ status: "succeeded", output: "HELLO FROM A, b" });
  const listed = await a.api("GET", `/admin/api/executions?scriptId=${id}`, undefined, { token: tenant.token });
  expect(listed.body.items.map((e: { id: string }) => e.id)).toEqual([run.body.id]);
}
