// One supervised workerd process: spawn, wait until it answers, stream its output by line,
// and kill it at once (terminate): workerd holds no state worth a graceful stop.
import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

const pidLinePrefix = "iota-workerd-pid ";
// workerd runs under a small shell that first joins the process's resource groups (so workerd
// and all it starts are inside them from its first instruction), says workerd's pid, and kills
// workerd as soon as our end of its stdin closes: on terminate(), and also when the host dies
// without cleaning up (kill -9), so no orphaned workerd keeps a port after a crash.
const guard = [
  `IFS=:; for f in $IOTA_JOIN_GROUPS; do echo $$ > "$f" || exit 97; done; unset IFS`,
  // A listening socket handed in as fd 4 is workerd's alone: this shell and its watcher let go of
  // it, or the port would stay open (accepting into nowhere) while workerd is gone.
  `exec 3<&0; "$0" "$@" </dev/null & pid=$!; exec 4<&-; echo "${pidLinePrefix}$pid" >&2`,
  `(cat <&3 >/dev/null; kill -9 $pid 2>/dev/null) & wait $pid`,
].join("; ");

/** The path of the workerd binary installed by the `workerd` package. */
export function workerdBinary(): string {
  return (require("workerd") as { default: string }).default;
}

/** workerd exited before it was ready; carries what it printed, which says why. */
export class WorkerdStartError extends Error {
  override readonly name = "WorkerdStartError";
  readonly label: string;
  readonly output: string;
  readonly exitCode: number | null;
  constructor(label: string, output: string, exitCode: number | null) {
    super(`${label}: workerd exited (code ${exitCode}) before it was ready:\n${output.slice(-4000)}`);
    this.label = label;
    this.output = output;
    this.exitCode = exitCode;
  }
}

export interface WorkerdProcessOptions {
  label: string;
  configFile: string;
  healthUrl: string;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  onExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
  startTimeoutMs?: number;
  /** cgroup.procs files to join before workerd starts (see host/containment). */
  joinGroups?: string[];
  /** `host:port` for workerd's V8 inspector (profiling an operator asked for); off by default. */
  inspectorAddress?: string;
  /**
   * An open listening socket for the config's `http` socket, instead of its address: several
   * processes given the same one share its connections (the kernel hands each to one of them).
   */
  listenFd?: () => number;
}

export class WorkerdProcess {
  readonly #options: WorkerdProcessOptions;
  #child: ChildProcess | undefined;
  #exited: Promise<void> = Promise.resolve();
  #recentOutput: string[] = [];
  #workerdPid: number | undefined;

  constructor(options: WorkerdProcessOptions) {
    this.#options = options;
  }

  /** workerd's own pid (not its launcher's), once it has started. */
  get pid(): number | undefined {
    return this.#workerdPid;
  }

  async start(): Promise<void> {
    const o = this.#options;
    const command = [workerdBinary()];
    const inspector = o.inspectorAddress ? [`--inspector-addr=${o.inspectorAddress}`] : [];
    const listenFd = o.listenFd?.();
    // fd 3 is the guard's own (see above): the socket goes in as fd 4.
    const socket = listenFd === undefined ? [] : ["--socket-fd", "http=4"];
    const child = spawn("/bin/sh", ["-c", guard, ...command, "serve", o.configFile, "--experimental", ...inspector, ...socket], {
      stdio: listenFd === undefined ? ["pipe", "pipe", "pipe"] : ["pipe", "pipe", "pipe", "ignore", listenFd],
      env: { ...process.env, IOTA_JOIN_GROUPS: (o.joinGroups ?? []).join(":") },
    });
    this.#child = child;
    this.#workerdPid = undefined;
    this.#recentOutput = [];
    const remember = (line: string) => {
      this.#recentOutput.push(line);
      if (this.#recentOutput.length > 50) this.#recentOutput.shift();
    };
    createInterface({ input: child.stdout! }).on("line", (line) => {
      o.onStdoutLine?.(line);
    });
    createInterface({ input: child.stderr! }).on("line", (line) => {
      if (this.#workerdPid === undefined && line.startsWith(pidLinePrefix)) {
        this.#workerdPid = Number(line.slice(pidLinePrefix.length));
        return;
      }
      remember(line);
      o.onStderrLine?.(line);
    });
    let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    this.#exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        exitInfo = { code, signal };
        child.stdin?.destroy();
        resolve();
        o.onExit?.(code, signal);
      });
    });

    const deadline = Date.now() + (o.startTimeoutMs ?? 15000);
    child.stdin!.on("error", () => {});
    while (Date.now() < deadline) {
      if (exitInfo) throw new WorkerdStartError(o.label, this.#recentOutput.join("\n"), exitInfo.code);
      try {
        const response = await fetch(o.healthUrl, { signal: AbortSignal.timeout(1000) });
        if (response.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    child.stdin!.destroy();
    throw new WorkerdStartError(o.label, `not ready after ${o.startTimeoutMs ?? 15000} ms\n${this.#recentOutput.join("\n")}`, null);
  }

  /** The last lines workerd wrote to stderr: what a crash report needs. */
  recentStderr(): string {
    return this.#recentOutput.join("\n");
  }

  /**
   * Kills workerd at once: the way to stop a script that will not yield. workerd keeps nothing
   * worth a graceful stop (the database is the host's), so this is also how it is shut down.
   */
  async terminate(): Promise<void> {
    this.#child?.stdin?.destroy();
    await this.#exited;
  }
}
