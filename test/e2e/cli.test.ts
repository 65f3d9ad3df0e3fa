// The `iota` command line, used as a developer and a CI job use it: run as a child process with
// its own HOME and config dir, in a git repository of a tenant's scripts, against the real
// product. Pull, edit, commit, push; a change made meanwhile in the admin is refused until
// forced; runs, live logs, embedded calls, events and history; exit codes CI can act on.
import { execFile, spawn } from "node:child_process";
import { readFile, stat, writeFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Output } from "../../cli/output.ts";
import { System } from "../support/system.ts";
import { startGates } from "../support/gates.ts";

const bin = fileURLToPath(new URL("../../cli/bin.js", import.meta.url));
const cliDir = fileURLToPath(new URL("../../cli/", import.meta.url));
const exec = promisify(execFile);

let system: System;
let gates: Awaited<ReturnType<typeof startGates>>;
let tenant: { slug: string; token: string };
let home: string;
let repo: string;
const ids: Record<string, string> = {};

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The user's environment: their own HOME and config dir, none of the test runner's IOTA_ settings. */
function userEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k, v]) => !k.startsWith("IOTA_") && v !== undefined)) as Record<string, string>;
  return { ...env, HOME: home, XDG_CONFIG_HOME: join(home, ".config"), NO_COLOR: "1", ...extra };
}

function start(args: string[], options: { cwd?: string; env?: Record<string, string>; stdin?: string } = {}) {
  const child = spawn(process.execPath, [bin, ...args], { cwd: options.cwd ?? repo, env: userEnv(options.env), stdio: ["pipe", "pipe", "pipe"] });
  const ran: Ran = { code: null, stdout: "", stderr: "" };
  child.stdout.on("data", (chunk: Buffer) => (ran.stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (ran.stderr += chunk.toString()));
  child.stdin.end(options.stdin ?? "");
  const done = new Promise<Ran>((resolve) => child.on("close", (code) => resolve({ ...ran, code })));
  return { ran, done };
}

const iota = (args: string[], options: { cwd?: string; env?: Record<string, string>; stdin?: string } = {}) => start(args, options).done;

async function git(...args: string[]) {
  return (await exec("git", args, { cwd: repo, env: userEnv() })).stdout.trim();
}

async function waitFor<T>(what: () => T | Promise<T>, done: (v: T) => boolean, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (done(v)) return v;
    if (Date.now() > until) throw new Error(`still not there after ${ms} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const api = (method: string, path: string, body?: unknown) => system.api(method, path, body, { token: tenant.token });
const file = (path: string) => readFile(join(repo, path), "utf8");
const versionsOf = async (name: string) => (await api("GET", `/admin/api/scripts/${ids[name]}/versions`)).body.items as { number: number; message: string }[];

const greeter = `export default async function (input, ctx) {
  ctx.log.info("greeting " + input.name);
  return { greeting: "Hello, " + input.name };
}
`;

beforeAll(async () => {
  gates = await startGates();
  system = await System.start({ env: { IOTA_EGRESS_ALLOW: `127.0.0.1:${gates.port}` } });
  tenant = await system.tenant("cli-co");
  home = await mkdtemp(join(tmpdir(), "iota-cli-home-"));
  repo = await mkdtemp(join(tmpdir(), "iota-cli-repo-"));
  await git("init", "--quiet", "--initial-branch=main");
  await git("config", "user.email", "dev@cli-co.test");
  await git("config", "user.name", "Dev");
  const scripts: Record<string, unknown>[] = [
    { name: "greeter", kind: "manual", code: greeter, description: "Says hello", tags: { team: "growth", area: "demo" } },
    {
      name: "nightly-report",
      kind: "scheduled",
      code: "export default async () => ({ sent: true });\n",
      cron: "0 3 * * *",
      timezone: "Europe/Berlin",
      timeoutMs: 60000,
    },
    { name: "pricing-rule", kind: "embedded", code: await readFile(new URL("../../examples/pricing-rule.js", import.meta.url), "utf8"), timeoutMs: 2000 },
    { name: "broken", kind: "manual", code: `export default async () => { throw new Error("the ledger is closed"); };\n` },
    { name: "order-watcher", kind: "event", code: `export default async (event) => ({ seen: event.payload.order });\n`, events: ["order.placed"] },
    {
      name: "slow-import",
      kind: "manual",
      code: `export default async (input, ctx) => {\n  console.log("batch 1 imported");\n  await fetch("http://127.0.0.1:${gates.port}/import");\n  console.log("batch 2 imported");\n  return { batches: 2 };\n};\n`,
    },
  ];
  for (const script of scripts) ids[script.name as string] = await system.script(script, tenant.token);
});

afterAll(async () => {
  await system?.destroy();
  await gates?.close();
  for (const dir of [home, repo]) if (dir) await rm(dir, { recursive: true, force: true });
});

describe("iota, from login to a push from CI", () => {
  test("login checks the token with the server and keeps it readable by its owner only", async () => {
    const refused = await iota(["login", system.baseUrl, "--token", "iota_not-a-token"]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("the API token is unknown or revoked");
    expect(refused.stderr).not.toMatch(/\n\s+at /);

    // The token on stdin, as a person pastes it: it stays out of the shell history.
    const ok = await iota(["login", system.baseUrl], { stdin: `${tenant.token}\n` });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain("tenant cli-co, role owner");
    const config = join(home, ".config", "iota", "config.json");
    expect((await stat(config)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(config, "utf8"))).toEqual({ current: system.baseUrl, servers: { [system.baseUrl]: { token: tenant.token } } });
  });

  test("init makes the repository a project for the tenant", async () => {
    const r = await iota(["init"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(await file("iota.json"))).toEqual({ url: system.baseUrl, tenant: "cli-co" });
    expect(await file(".gitignore")).toContain("config dir");
    expect(await file("README.md")).toContain("iota pull");
    expect((await iota(["init"])).code).toBe(1);
  });

  test("pull writes each script as its code and a settings file whose bytes are stable", async () => {
    const r = await iota(["pull"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("Pulled 6 scripts");
    expect(await file("scripts/greeter.js")).toBe(greeter);
    // A fixed key order, nested keys sorted, defaults written out: the same settings, the same bytes.
    expect(await file("scripts/nightly-report.json")).toBe(`{
  "kind": "scheduled",
  "description": "",
  "enabled": true,
  "tags": {},
  "timeoutMs": 60000,
  "memoryMb": 256,
  "sdkVersion": "1",
  "alerts": null,
  "config": {
    "cron": "0 3 * * *",
    "missedPolicy": "catch_up",
    "timezone": "Europe/Berlin"
  }
}
`);
    expect(JSON.parse(await file("scripts/greeter.json")).tags).toEqual({ area: "demo", team: "growth" });
    const lock = JSON.parse(await file("iota.lock.json"));
    expect(Object.keys(lock.scripts)).toEqual(["broken", "greeter", "nightly-report", "order-watcher", "pricing-rule", "slow-import"]);
    expect(lock.scripts.greeter).toMatchObject({ id: ids.greeter, version: 1 });

    await git("add", ".");
    await git("commit", "--quiet", "-m", "Pull cli-co's scripts");
    const again = await iota(["pull", "--json"]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).scripts.every((s: { status: string }) => s.status === "unchanged")).toBe(true);
    expect(await git("status", "--porcelain")).toBe("");
  });

  test("push sends an edited script as a new version carrying the commit's message", async () => {
    await writeFile(join(repo, "scripts/greeter.js"), greeter.replace('"Hello, "', '"Welcome, "'));
    const settings = JSON.parse(await file("scripts/greeter.json"));
    await writeFile(join(repo, "scripts/greeter.json"), `${JSON.stringify({ ...settings, timeoutMs: 5000 }, null, 2)}\n`);
    await writeFile(join(repo, "scripts/farewell.js"), `export default async (input) => ({ bye: input.name });\n`);
    await writeFile(join(repo, "scripts/farewell.json"), `{ "kind": "manual", "description": "Says goodbye" }\n`);
    await git("add", "scripts");
    await git("commit", "--quiet", "-m", "Greet more warmly");

    const dry = await iota(["push", "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/would update\s+greeter \(code, timeoutMs\)/);
    expect(dry.stdout).toMatch(/would create\s+farewell/);
    expect((await versionsOf("greeter")).length).toBe(1);

    const r = await iota(["push", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const pushed = JSON.parse(r.stdout);
    expect(pushed.message).toBe("Greet more warmly");
    expect(pushed.scripts.find((s: { name: string }) => s.name === "greeter")).toMatchObject({ action: "update", changes: ["code", "timeoutMs"], version: 2 });
    expect((await versionsOf("greeter"))[0]).toMatchObject({ number: 2, message: "Greet more warmly" });
    expect((await api("GET", `/admin/api/scripts/${ids.greeter}`)).body).toMatchObject({ timeoutMs: 5000, code: greeter.replace('"Hello, "', '"Welcome, "') });
    const created = pushed.scripts.find((s: { name: string }) => s.name === "farewell");
    ids.farewell = created.id;
    expect((await api("GET", `/admin/api/scripts/${created.id}`)).body).toMatchObject({ kind: "manual", description: "Says goodbye", version: 1 });
    expect((await iota(["push"])).stdout).toContain("Nothing to push");
  });

  test("a change made on the server since the last pull is refused, then overwritten with --force", async () => {
    // Someone edits the script in the admin meanwhile.
    const edited = await api("PATCH", `/admin/api/scripts/${ids.greeter}`, { code: greeter.replace('"Hello, "', '"Hi, "'), message: "quick fix in the admin" });
    expect(edited.body.version).toBe(3);
    await writeFile(join(repo, "scripts/greeter.js"), greeter.replace('"Hello, "', '"Good day, "'));
    await git("add", "scripts");
    await git("commit", "--quiet", "-m", "Greet formally");

    const refused = await iota(["push"]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain("Nothing pushed");
    expect(refused.stdout).toContain("greeter: changed on the server since your last pull: you pulled version 2, it is at version 3");
    expect((await versionsOf("greeter"))[0]!.number).toBe(3);

    const forced = await iota(["push", "--force"]);
    expect(forced.code, forced.stderr).toBe(0);
    expect((await versionsOf("greeter"))[0]).toMatchObject({ number: 4, message: "Greet formally" });
  });

  test("a checkout whose lock is behind (CI) pushes when the server holds what the repository committed", async () => {
    // CI checks out the commit, whose lock still says version 1; the server has version 4, pushed from these files.
    await git("checkout", "--", "iota.lock.json");
    expect(JSON.parse(await file("iota.lock.json")).scripts.greeter.version).toBe(1);
    await writeFile(join(repo, "scripts/greeter.js"), greeter.replace('"Hello, "', '"Greetings, "'));
    await git("add", "scripts");
    await git("commit", "--quiet", "-m", "Greet from CI");
    const r = await iota(["push"], { env: { IOTA_URL: system.baseUrl, IOTA_TOKEN: tenant.token, XDG_CONFIG_HOME: join(home, "empty") } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect((await versionsOf("greeter"))[0]).toMatchObject({ number: 5, message: "Greet from CI" });
  });

  test("diff shows code and settings from the server's version to the local files", async () => {
    await writeFile(join(repo, "scripts/greeter.js"), greeter.replace('"Hello, "', '"Howdy, "'));
    const settings = JSON.parse(await file("scripts/greeter.json"));
    await writeFile(join(repo, "scripts/greeter.json"), `${JSON.stringify({ ...settings, timeoutMs: 9000 }, null, 2)}\n`);
    const r = await iota(["diff"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("--- server/scripts/greeter.js (version 5)\n+++ scripts/greeter.js\n@@ -1,4 +1,4 @@");
    expect(r.stdout).toContain(`-  return { greeting: "Greetings, " + input.name };\n+  return { greeting: "Howdy, " + input.name };`);
    expect(r.stdout).toContain(`-  "timeoutMs": 5000,\n+  "timeoutMs": 9000,`);
    const json = await iota(["diff", "--json", "--exit-code"]);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout).scripts).toMatchObject([{ name: "greeter", status: "changed", changes: ["code", "timeoutMs"] }]);

    await git("checkout", "--", "scripts");
    const clean = await iota(["diff", "--exit-code"]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain("No differences in 7 scripts");
  });

  test("an API refusal is one plain line naming the file and field, never a stack", async () => {
    const settings = JSON.parse(await file("scripts/greeter.json"));
    await writeFile(join(repo, "scripts/greeter.json"), `${JSON.stringify({ ...settings, timeoutMs: 5 }, null, 2)}\n`);
    const badSetting = await iota(["push", "-m", "too fast"]);
    expect(badSetting.code).toBe(1);
    expect(badSetting.stderr).toMatch(/^iota: greeter \(scripts\/greeter\.json\): timeoutMs .*100.*\[VALIDATION_FAILED\]\n$/);

    await git("checkout", "--", "scripts");
    await writeFile(join(repo, "scripts/greeter.js"), `export default async function (input) {\n  return {;\n}\n`);
    const badCode = await iota(["push", "-m", "broken"]);
    expect(badCode.code).toBe(1);
    expect(badCode.stderr).toMatch(/^iota: greeter \(scripts\/greeter\.js:2:\d+\): syntax error at line 2/);
    expect(badCode.stderr).not.toMatch(/\n\s+at /);
    await git("checkout", "--", "scripts");
  });

  test("run prints a sync run's output and exits 1 when the script fails", async () => {
    const r = await iota(["run", "greeter", "--data", '{"name":"Ada"}']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ greeting: "Greetings, Ada" });
    expect(r.stderr).toContain("info  greeting Ada");
    expect(r.stderr).toContain("succeeded");

    const fromStdin = await iota(["run", "greeter", "--input", "-", "--json"], { stdin: '{"name":"Grace"}' });
    expect(JSON.parse(fromStdin.stdout)).toMatchObject({ status: "succeeded", output: { greeting: "Greetings, Grace" }, trigger: "manual" });
    await writeFile(join(home, "input.json"), '{"name":"Linus"}');
    expect(JSON.parse((await iota(["run", "greeter", "--input", join(home, "input.json")])).stdout)).toEqual({ greeting: "Greetings, Linus" });

    const failed = await iota(["run", "broken"]);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toBe("");
    expect(failed.stderr).toContain("failed");
    expect(failed.stderr).toContain("the ledger is closed");
    expect((await iota(["run", "greeter", "--data", "{nope"])).code).toBe(2);
    expect((await iota(["run", "no-such-script"])).code).toBe(1);
  });

  test("run --async answers the execution's id at once", async () => {
    const r = await iota(["run", "greeter", "--async", "--data", '{"name":"Alan"}']);
    expect(r.code, r.stderr).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^exe_/);
    expect(await system.waitForExecution(id, 20_000, tenant.token)).toMatchObject({ status: "succeeded", output: { greeting: "Greetings, Alan" } });
  });

  test("logs --follow prints a running execution's lines as they happen and ends with it", async () => {
    const started = await iota(["run", "slow-import", "--async"]);
    const id = started.stdout.trim();
    await waitFor(
      () => gates.waiting("import"),
      (n) => n === 1,
    );
    const follower = start(["logs", id, "--follow"]);
    // The first line arrives while the run is still held at the gate.
    await waitFor(
      () => follower.ran.stdout,
      (out) => out.includes("batch 1 imported"),
    );
    expect(follower.ran.stdout).not.toContain("batch 2 imported");
    expect(follower.ran.code).toBeNull();
    gates.open("import");
    const ended = await follower.done;
    expect(ended.code, ended.stderr).toBe(0);
    expect(ended.stdout).toMatch(/batch 1 imported\n.*batch 2 imported\n$/);
    expect(ended.stderr).toContain(`succeeded`);

    const failedRun = JSON.parse((await iota(["run", "broken", "--json"])).stdout);
    const replay = await iota(["logs", failedRun.id]);
    expect(replay.code).toBe(1);
  });

  test("invoke calls an embedded script as a platform service does", async () => {
    const r = await iota(["invoke", "pricing-rule", "--data", '{"sku":"WIDGET-S","qty":12}']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ sku: "WIDGET-S", qty: 12 });
    expect(r.stderr).toMatch(/execution exe_/);
    const unknown = await iota(["invoke", "no-such-rule"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("no embedded script named no-such-rule");
  });

  test("events publish hands an event to the scripts subscribed to it, once per id", async () => {
    const r = await iota(["events", "publish", "order.placed", "--data", '{"order":42}', "--id", "ord-42", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ id: "ord-42", type: "order.placed", duplicate: false, deliveries: 1 });
    const again = await iota(["events", "publish", "order.placed", "--data", '{"order":42}', "--id", "ord-42"]);
    expect(again.stdout).toContain("nothing delivered again");
    const runs = await waitFor(
      async () => (await api("GET", `/admin/api/executions?scriptId=${ids["order-watcher"]}&status=succeeded`)).body.items,
      (items) => items.length === 1,
    );
    expect(runs[0].trigger).toBe("event");
  });

  test("history --json lists executions filtered by script, status and limit", async () => {
    const r = await iota(["history", "--script", "greeter", "--status", "succeeded", "--limit", "2", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const page = JSON.parse(r.stdout);
    expect(page.items).toHaveLength(2);
    for (const item of page.items) expect(item).toMatchObject({ scriptName: "greeter", status: "succeeded", scriptId: ids.greeter });
    expect(page.nextCursor).toEqual(expect.any(String));
    const human = await iota(["history", "--script", "broken"]);
    expect(human.stdout).toMatch(/EXECUTION\s+SCRIPT/);
    expect(human.stdout).toMatch(/broken\s+v1\s+manual\s+failed/);
    expect((await iota(["history", "--status", "exploded"])).code).toBe(2);
  });

  test("exit codes tell CI whose problem it is", async () => {
    const viewer = await system.api("POST", "/admin/api/tokens", { name: "cli-viewer", role: "viewer", tenant: "cli-co" });
    const denied = await iota(["run", "greeter"], { env: { IOTA_TOKEN: viewer.body.token } });
    expect(denied.code).toBe(3);
    expect(denied.stderr).toMatch(/^iota: .*\[FORBIDDEN\]\n$/);
    const unreachable = await iota(["history"], { env: { IOTA_URL: "http://127.0.0.1:9", IOTA_TOKEN: tenant.token } });
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr).toContain("cannot reach http://127.0.0.1:9");
    const json = await iota(["history", "--json"], { env: { IOTA_URL: "http://127.0.0.1:9", IOTA_TOKEN: tenant.token } });
    expect(JSON.parse(json.stdout).error.code).toBe("NETWORK");
    expect((await iota(["nonsense"])).code).toBe(2);
    expect((await iota(["push", "--no-such-option"])).code).toBe(2);
    expect((await iota(["pull"], { cwd: home })).code).toBe(2);
    const loggedOut = await iota(["history"], { env: { XDG_CONFIG_HOME: join(home, "empty") }, cwd: home });
    expect(loggedOut.code).toBe(3);
  });
});

describe("the progress bar", () => {
  const streams = (isTTY: boolean) => {
    const written = { stdout: "", stderr: "" };
    const sink = (key: keyof typeof written) =>
      ({
        isTTY,
        columns: 60,
        write: (text: string) => {
          written[key] += text;
          return true;
        },
      }) as never;
    return { written, streams: { stdout: sink("stdout"), stderr: sink("stderr") } };
  };

  test("is drawn on stderr at a terminal, and cleared when the work is done", () => {
    const { written, streams: s } = streams(true);
    const progress = new Output(false, s).progress(6, "pulling");
    for (const name of ["a", "b", "c", "d", "e", "f"]) progress.tick(name);
    progress.done();
    expect(written.stderr).toContain(`pulling [${"#".repeat(4)}${"-".repeat(20)}] 1/6 a`);
    expect(written.stderr).toContain(`pulling [${"#".repeat(24)}] 6/6 f`);
    expect(written.stderr.endsWith("\r")).toBe(true);
    expect(written.stdout).toBe("");
  });

  test("is left out of logs that are not a terminal (CI)", () => {
    const { written, streams: s } = streams(false);
    const progress = new Output(false, s).progress(50, "pushing");
    progress.tick("a");
    progress.done();
    expect(written).toEqual({ stdout: "", stderr: "" });
  });
});

describe("the cli package", () => {
  test("packs on its own, and its bundled command runs", async () => {
    const out = await mkdtemp(join(tmpdir(), "iota-cli-pack-"));
    try {
      const { stdout } = await exec("npm", ["pack", "--json", "--pack-destination", out], { cwd: cliDir, env: userEnv() });
      const [packed] = JSON.parse(stdout);
      expect(packed.files.map((f: { path: string }) => f.path).sort()).toEqual(["README.md", "bin.js", "dist/iota.js", "package.json"]);
      await exec("tar", ["xzf", join(out, packed.filename), "-C", out]);
      const r = await exec(process.execPath, [join(out, "package", "bin.js"), "history", "--limit", "1", "--json"], {
        cwd: out,
        env: userEnv({ IOTA_URL: system.baseUrl, IOTA_TOKEN: tenant.token }),
      });
      expect(JSON.parse(r.stdout).items).toHaveLength(1);
      const version = await exec(process.execPath, [join(out, "package", "bin.js"), "--version"]);
      expect(version.stdout.trim()).toBe(JSON.parse(await readFile(join(cliDir, "package.json"), "utf8")).version);
    } finally {
      await rm(out, { recursive: true, force: true });
    }
  });
});
