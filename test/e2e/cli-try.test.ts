// `iota try` as a developer and a CI job use it: a draft file tried on the script's recent real
// runs, a table of what changed and what the draft would have done, and exit 1 when the draft
// fails where the live version succeeded.
import { execFile } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { System } from "../support/system.ts";

const bin = fileURLToPath(new URL("../../cli/bin.js", import.meta.url));

let system: System;
let tenant: { slug: string; token: string };
let dir: string;

beforeAll(async () => {
  system = await System.start();
  tenant = await system.tenant("cli-try");
  dir = await mkdtemp(join(tmpdir(), "iota-try-"));
  const id = await system.script({ name: "pricing", code: "export default async (input) => ({ total: input.qty * 10 })" }, tenant.token);
  for (const qty of [1, 2]) expect((await system.run(id, { qty }, tenant.token)).status).toBe(200);
});
afterAll(async () => {
  await system?.destroy();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Runs `iota` as CI would: credentials from the environment, a home of its own. */
function iota(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("IOTA_"))) as Record<string, string>;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd: dir, env: { ...env, HOME: dir, XDG_CONFIG_HOME: join(dir, ".config"), IOTA_URL: system.baseUrl, IOTA_TOKEN: tenant.token } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

async function draft(name: string, code: string): Promise<string> {
  await writeFile(join(dir, name), code);
  return name;
}

describe("iota try", () => {
  test("prints each run's verdict with what differs and what was captured, and exits 0 when nothing failed", async () => {
    const file = await draft(
      "changed.js",
      'export default async (input, ctx) => { await ctx.kv.put("last", input.qty); return { total: input.qty === 2 ? 19 : input.qty * 10 }; }',
    );
    const r = await iota(["try", "pricing", "--draft", file]);
    expect(r.stderr).toContain("2 runs: 1 same, 1 different, 0 failed, 0 fixed; 2 side effects captured, none performed");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^EXECUTION\s+TRIGGER\s+LIVE\s+DRAFT\s+VERDICT\s+EFFECTS$/m);
    expect(r.stdout).toMatch(/exe_\S+\s+manual\s+succeeded\s+succeeded\s+DIFFERENT\s+1/);
    expect(r.stdout).toContain("$.total: 20 -> 19");
    expect(r.stdout).toContain('captured kv.put("last", 2)');
  });

  test("exits 1 when the draft fails where the live version succeeded, saying why", async () => {
    const file = await draft(
      "broken.ts",
      "export default async (input: { qty: number }) => { if (input.qty > 1) throw new Error('too many'); return { total: input.qty * 10 }; }",
    );
    const r = await iota(["try", "pricing", "--draft", file, "--last", "2"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/succeeded\s+failed\s+FAILED/);
    expect(r.stdout).toContain("draft SCRIPT_ERROR: Error: too many");
  });

  test("--json prints the trial as the API answers it; a missing --draft is a usage error", async () => {
    const file = await draft("same.js", "export default async (input) => ({ total: input.qty * 10 })");
    const r = await iota(["try", "pricing", "--draft", file, "--last", "1", "--json"]);
    expect(r.code).toBe(0);
    const trial = JSON.parse(r.stdout);
    expect(trial.summary).toEqual({ total: 1, same: 1, different: 0, failed: 0, fixed: 0, effects: 0 });
    expect(trial.id).toMatch(/^trl_/);
    expect((await iota(["try", "pricing"])).code).toBe(2);
    expect((await iota(["try", "pricing", "--draft", "missing.js"])).stderr).toContain("no such file");
  });
});
