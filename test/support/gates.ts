// Loopback gates scripts wait at (`GET /<name>`) until a test opens them: a run held at a known
// point, observable from outside (`waiting(name)`), without sleeping.
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export async function startGates() {
  const waiting = new Map<string, ServerResponse[]>();
  const open = new Set<string>();
  const server = createServer((req, res) => {
    const name = (req.url ?? "/").slice(1);
    if (open.has(name)) return void res.end("open");
    waiting.set(name, [...(waiting.get(name) ?? []), res]);
    // A caller that gave up (a cancelled or stopped run) is no longer waiting.
    res.on("close", () =>
      waiting.set(
        name,
        (waiting.get(name) ?? []).filter((r) => r !== res),
      ),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    url: (name: string) => `http://127.0.0.1:${(server.address() as AddressInfo).port}/${name}`,
    waiting: (name: string) => waiting.get(name)?.length ?? 0,
    open(name: string) {
      open.add(name);
      for (const res of waiting.get(name) ?? []) res.end("open");
      waiting.delete(name);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Polls `what` until `done` says so, or fails saying what it last saw. */
export async function waitFor<T>(what: () => Promise<T>, done: (v: T) => boolean, ms = 20_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await what();
    if (done(v)) return v;
    if (Date.now() > until) throw new Error(`still not there after ${ms} ms: ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
