// A port for a test server that must get the same port back after a restart. The kernel hands
// out ports of its ephemeral range to every listen(0) and outgoing connection on the machine
// (runners, peer listeners, other test files' servers), so a port from that range, freed for a
// restart, may be taken before the restarted server binds it again. Ports below the range are
// handed out by no one; picked at random and checked free, two test files rarely pick the same.
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

const lowest = 10_000;

function ephemeralStart(): number {
  try {
    const [start] = readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/).map(Number);
    if (start && start > lowest + 1000) return start;
  } catch {
    // not Linux: IANA's dynamic range starts at 49152
  }
  return 49_152;
}

function free(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    // All addresses: a host may bind 0.0.0.0 (BIND_ADDRESS), which any holder of the port blocks.
    server.listen({ port, host: "0.0.0.0", exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A free port below the kernel's ephemeral range, so nothing takes it between a server's runs. */
export async function lastingPort(): Promise<number> {
  const end = ephemeralStart();
  for (let tries = 0; tries < 100; tries++) {
    const port = lowest + Math.floor(Math.random() * (end - lowest));
    if (await free(port)) return port;
  }
  throw new Error(`no free port between ${lowest} and ${end} in 100 tries`);
}
