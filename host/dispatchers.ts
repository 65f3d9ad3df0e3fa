// The dispatcher processes serving the public port. workerd runs JavaScript on one thread per
// process, so one dispatcher uses one core; IOTA_DISPATCHERS=n starts n of them on one listening
// socket, which the kernel shares out connection by connection (workerd takes an open socket
// with --socket-fd; it does not set SO_REUSEPORT, so a second process cannot bind the port).
//
// The socket is made here and handed to each process as it is spawned; this process then closes
// its own copy at once, or it would accept connections itself (and leave them hanging). A crashed dispatcher therefore cannot get the socket
// back alone: the whole group is stopped and started again on a fresh one (a fraction of a
// second of refused connections; a dispatcher runs no user code, so a crash is a bug of ours).
import { createServer, type Server } from "node:net";
import type { HostLog } from "./log.ts";
import { WorkerdProcess, type WorkerdProcessOptions } from "./workerd-process.ts";

export interface DispatcherGroupOptions extends Omit<WorkerdProcessOptions, "listenFd" | "onExit" | "label"> {
  count: number;
  /** Where the group listens when it shares one socket (count > 1); one process binds the config's address itself. */
  host: string;
  port: number;
  log: HostLog;
  /** Told when the group could not be started again after a crash. */
  onGiveUp: () => void;
}

export class DispatcherGroup {
  readonly #o: DispatcherGroupOptions;
  #processes: WorkerdProcess[] = [];
  #stopping = false;
  #restarting = false;

  constructor(options: DispatcherGroupOptions) {
    this.#o = options;
  }

  get size(): number {
    return this.#o.count;
  }

  async start(): Promise<void> {
    const o = this.#o;
    const shared = o.count > 1 ? await listen(o.host, o.port) : undefined;
    const fd = shared ? (shared as unknown as { _handle: { fd: number } })._handle.fd : undefined;
    this.#processes = Array.from(
      { length: o.count },
      (_, i) =>
        new WorkerdProcess({
          ...o,
          label: o.count > 1 ? `dispatcher-${i + 1}` : "dispatcher",
          // One inspector port can serve one process.
          inspectorAddress: i === 0 ? o.inspectorAddress : undefined,
          ...(fd === undefined ? {} : { listenFd: () => fd }),
          onExit: (code, signal) => this.#exited(i, code, signal),
        }),
    );
    // Each process gets its copy of the socket when it is spawned, at the start of start(), so
    // this process lets go of its own before any can be ready: it never holds a connection.
    const started = this.#processes.map((p) => p.start());
    shared?.close();
    await Promise.all(started);
  }

  async terminate(): Promise<void> {
    this.#stopping = true;
    await Promise.allSettled(this.#processes.map((p) => p.terminate()));
  }

  #exited(index: number, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#stopping || this.#restarting) return;
    this.#o.log.error("dispatcher.exit", { index, code, signal });
    this.#restarting = true;
    // Every process must let go of the socket before a new one can be bound.
    void Promise.allSettled(this.#processes.map((p) => p.terminate()))
      .then(() => new Promise((resolve) => setTimeout(resolve, 200)))
      .then(() => (this.#stopping ? undefined : this.start()))
      .then(
        () => {
          this.#restarting = false;
          if (!this.#stopping) this.#o.log.info("dispatcher.restarted", { processes: this.#o.count });
        },
        () => this.#o.onGiveUp(),
      );
  }
}

function listen(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    // Never meant to take a connection (see start); one caught in the instant before it closes is refused.
    const server = createServer((socket) => socket.destroy());
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}
