// Writes the workerd configurations (Cap'n Proto text) for the dispatcher and a runner shard.
import { writeFile } from "node:fs/promises";
import { join, relative } from "node:path";

export const compatibilityDate = "2026-11-01";

const str = (s: string) => JSON.stringify(s);

export interface DispatcherConfig {
  bundle: string;
  address: string;
  hostAddress: string;
  hostSecret: string;
  /** The built admin SPA, served under /admin/. */
  assetsDir: string | undefined;
  /** The dispatcher reaches a libSQL server (LIBSQL_URL) itself, wherever it is on the network. */
  databaseServer?: boolean;
  vars: Record<string, string>;
}

export async function writeDispatcherConfig(dir: string, c: DispatcherConfig): Promise<string> {
  const vars = Object.entries(c.vars).map(([name, value]) => `(name = ${str(name)}, text = ${str(value)}),`);
  const text = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "dispatcher", worker = .dispatcher),
    (name = "host", external = (address = ${str(c.hostAddress)}, http = ())),
    # Jobs go from here straight to the tenant's runner process, on loopback only.
    (name = "runners", network = (allow = ["127.0.0.1/32"])),
    ${c.assetsDir ? `(name = "admin-assets", disk = (path = ${str(c.assetsDir)}, writable = false)),` : ""}
    ${
      // The dispatcher runs no user code: its own outbound requests (the database's HTTP API)
      // may reach a server on a private network, which workerd's default outbound refuses.
      c.databaseServer ? `(name = "database-network", network = (allow = ["public", "private", "local"])),` : ""
    }
  ],
  sockets = [ (name = "http", address = ${str(c.address)}, http = (), service = "dispatcher") ],
  # For the dispatcher's periodic full collection (see dispatcher/index.ts); it runs no user code.
  v8Flags = [ "--expose-gc" ],
);
const dispatcher :Workerd.Worker = (
  modules = [ (name = "dispatcher.js", esModule = embed ${str(relativeEmbed(dir, c.bundle))}) ],
  compatibilityDate = ${str(compatibilityDate)},
  ${c.databaseServer ? `globalOutbound = "database-network",` : ""}
  bindings = [
    (name = "HOST", service = "host"),
    (name = "RUNNERS", service = "runners"),
    (name = "HOST_SECRET", text = ${str(c.hostSecret)}),
    ${c.assetsDir ? `(name = "ASSETS", service = "admin-assets"),` : ""}
    ${vars.join("\n    ")}
  ],
);
`;
  const file = join(dir, "dispatcher.capnp");
  // Its vars include the secrets key (and a database token): readable by the host's user only.
  await writeFile(file, text, { mode: 0o600 });
  return file;
}

export interface RunnerConfig {
  bundle: string;
  address: string;
  marker: string;
  /** Required on every job: the runner's port is on loopback, where any local user could call it. */
  runnerSecret: string;
  heapMb: number;
  dispatcherAddress: string;
  hostSecret: string;
  egressAddress: string;
  egressSecret: string;
}

export async function writeRunnerConfig(dir: string, name: string, c: RunnerConfig): Promise<string> {
  const text = `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "runner", worker = .runner),
    (name = "dispatcher", external = (address = ${str(c.dispatcherAddress)}, http = ())),
    (name = "egress", external = (address = ${str(c.egressAddress)}, http = ())),
  ],
  sockets = [ (name = "http", address = ${str(c.address)}, http = (), service = "runner") ],
  v8Flags = [
    "--max-old-space-size=${c.heapMb}",
    "--enable-experimental-regexp-engine-on-excessive-backtracks",
    # For the runner's and the harness's periodic full collection: workerd frees what each call
    # leaves outside V8's heap only then. The harness takes gc and removes it before any script runs.
    "--expose-gc",
  ],
);
const runner :Workerd.Worker = (
  modules = [ (name = "runner.js", esModule = embed ${str(relativeEmbed(dir, c.bundle))}) ],
  compatibilityDate = ${str(compatibilityDate)},
  bindings = [
    (name = "LOADER", workerLoader = ()),
    (name = "MARKER", text = ${str(c.marker)}),
    (name = "RUNNER_SECRET", text = ${str(c.runnerSecret)}),
    (name = "COMPATIBILITY_DATE", text = ${str(compatibilityDate)}),
    (name = "DISPATCHER", service = "dispatcher"),
    (name = "HOST_SECRET", text = ${str(c.hostSecret)}),
    (name = "EGRESS", service = "egress"),
    (name = "EGRESS_SECRET", text = ${str(c.egressSecret)}),
  ],
);
`;
  const file = join(dir, `${name}.capnp`);
  // The config holds the runner's secrets: readable by the host's user only.
  await writeFile(file, text, { mode: 0o600 });
  return file;
}

// workerd resolves embed paths against the config file's folder, and only below it.
function relativeEmbed(dir: string, bundle: string): string {
  return relative(dir, bundle);
}
