// Starts the real product (`node host/main.ts`, or with `build: "cloudflare"` the Cloudflare
// build, `node cloudflare/dev.ts`: wrangler dev on D1, or on LIBSQL_URL's server when set) on a temporary data dir and a free port,
// and talks to it over HTTP, as a user would. Both builds answer the same API, so a test can run
// against either.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { lastingPort } from "./lasting-port.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface StartOptions {
  dataDir?: string;
  port?: number;
  env?: Record<string, string>;
  /** The platform admin token; a second host on an existing data dir must reuse the first's. */
  token?: string;
  /** Which build serves: the local host (default) or the Cloudflare build. */
  build?: Build;
}

type Build = "local" | "cloudflare";

/** The entry script of each build, and how long it may take to serve (wrangler bundles first). */
const builds: Record<Build, { script: string; startMs: number; name: string }> = {
  local: { script: "host/main.ts", startMs: 60_000, name: "host" },
  // wrangler bundles, applies migrations and starts Miniflare: about 75 s on a quiet 2-core
  // machine, past 150 s when other suites load it.
  cloudflare: { script: "cloudflare/dev.ts", startMs: 210_000, name: "the Cloudflare build" },
};

export class System {
  readonly dataDir: string;
  readonly port: number;
  readonly token: string;
  readonly #env: Record<string, string>;
  readonly #build: (typeof builds)[Build];
  #child: ChildProcess | undefined;
  #output = "";

  private constructor(dataDir: string, port: number, token: string, env: Record<string, string>, build: Build) {
    this.#build = builds[build];
    this.dataDir = dataDir;
    this.port = port;
    this.token = token;
    this.#env = env;
  }

  static async start(options: StartOptions = {}): Promise<System> {
    const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), "iota-test-")));
    // Kept across restarts (restart(), crash() then boot()), so out of the kernel's way.
    const port = options.port ?? (await lastingPort());
    const token = options.token ?? `iota_test${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
    const system = new System(dataDir, port, token, options.env ?? {}, options.build ?? "local");
    await system.boot();
    return system;
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Everything the host printed, for assertions and for failure reports. */
  get output(): string {
    return this.#output;
  }

  async boot(): Promise<void> {
    const child = spawn(process.execPath, [this.#build.script], {
      cwd: root,
      env: {
        ...process.env,
        DATA_DIR: this.dataDir,
        PORT: String(this.port),
        IOTA_BOOTSTRAP_TOKEN: this.token,
        LOG_LEVEL: "info",
        ...this.#env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#child = child;
    await new Promise<void>((resolve, reject) => {
      const { name, startMs } = this.#build;
      const timer = setTimeout(() => {
        reject(new Error(`${name} did not start in ${startMs / 1000} s:\n${this.#output}`));
        // Stopped as Ctrl-C would, so that what it started (workerd, wrangler) does not outlive the test.
        void this.#signal("SIGINT");
      }, startMs);
      const onData = (chunk: Buffer) => {
        this.#output += chunk.toString();
        if (this.#output.includes("iota-scripts is up")) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on("data", onData);
      child.stderr!.on("data", (chunk: Buffer) => (this.#output += chunk.toString()));
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`host exited with ${code} before it was up:\n${this.#output}`));
      });
    });
    child.removeAllListeners("exit");
  }

  /** Ctrl-C: the host stops its children and exits. */
  async stop(): Promise<void> {
    await this.#signal("SIGINT");
  }

  /** The pids of the host's processes whose command line contains `match` (e.g. "dispatcher.capnp"). */
  childPids(match: string): number[] {
    const root = this.#child?.pid;
    if (!root) return [];
    const parents = new Map<number, number>();
    const commands = new Map<number, string>();
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
        commands.set(Number(entry), readFileSync(`/proc/${entry}/cmdline`, "utf8").replace(/\0/g, " "));
      } catch {
        // gone meanwhile
      }
    }
    const below = (pid: number): boolean => {
      for (let p = parents.get(pid); p !== undefined && p > 1; p = parents.get(p)) if (p === root) return true;
      return false;
    };
    return [...commands].filter(([pid, command]) => below(pid) && command.includes(match) && !command.startsWith("/bin/sh")).map(([pid]) => pid);
  }

  /** kill -9 of the host: no cleanup at all. */
  async crash(): Promise<void> {
    await this.#signal("SIGKILL");
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.boot();
  }

  async destroy(): Promise<void> {
    await this.stop();
    await rm(this.dataDir, { recursive: true, force: true });
  }

  async #signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill(signal);
    await exited;
    this.#child = undefined;
  }

  async api<T = any>(
    method: string,
    path: string,
    body?: unknown,
    options: { token?: string | null; headers?: Record<string, string>; raw?: string } = {},
  ): Promise<ApiResponse<T>> {
    const token = options.token === undefined ? this.token : options.token;
    const headers: Record<string, string> = { ...options.headers };
    if (token) headers.authorization = `Bearer ${token}`;
    let payload: string | undefined = options.raw;
    if (body !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(body);
    }
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: response.status, headers: response.headers, body: parsed as T };
  }

  /** Creates a tenant and an owner token for it. */
  async tenant(slug: string, role: "owner" | "admin" | "developer" | "viewer" = "owner"): Promise<{ slug: string; token: string }> {
    const t = await this.api("POST", "/admin/api/tenants", { slug, name: `${slug} inc.` });
    if (t.status !== 201) throw new Error(`tenant ${slug}: ${t.status} ${JSON.stringify(t.body)}`);
    const tok = await this.api("POST", "/admin/api/tokens", { name: `${slug}-${role}`, role, tenant: slug });
    if (tok.status !== 201) throw new Error(`token for ${slug}: ${tok.status} ${JSON.stringify(tok.body)}`);
    return { slug, token: tok.body.token };
  }

  /** Creates a script and returns its id, failing loudly if the API refuses it. */
  async script(fields: Record<string, unknown>, token?: string): Promise<string> {
    const r = await this.api("POST", "/admin/api/scripts", { kind: "manual", ...fields }, { token });
    if (r.status !== 201) throw new Error(`create script: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.id;
  }

  async run(scriptId: string, input: unknown, token?: string) {
    return this.api("POST", `/admin/api/scripts/${scriptId}/runs`, { input }, { token });
  }

  /** Polls an execution until it has finished (any status but queued and running). */
  async waitForExecution(id: string, timeoutMs = 20_000, token?: string) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await this.api("GET", `/admin/api/executions/${id}`, undefined, { token });
      if (r.status === 200 && r.body.status !== "queued" && r.body.status !== "running") return r.body;
      if (Date.now() > deadline) throw new Error(`execution ${id} still ${r.body?.status} after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
