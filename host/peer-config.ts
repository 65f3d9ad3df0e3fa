// Where this host's peer listener (host/peer-server.ts) listens and how the other hosts on the
// database dial it. It listens on BIND_ADDRESS, as the public port does: loopback for one
// machine, 0.0.0.0 (or an interface's address) for hosts on several.
import { networkInterfaces } from "node:os";

export interface PeerSettings {
  /** IOTA_PEER_PORT; 0 (the default) takes any free port, announced with it. */
  port: number;
  /** How the others reach this machine: IOTA_PEER_ADDRESS, else the bind address, else (bound to every interface) its first external IPv4 address. */
  host: string;
}

const wildcard = new Set(["0.0.0.0", "::", "[::]"]);

export function readPeerSettings(bindAddress: string): PeerSettings {
  const rawPort = process.env.IOTA_PEER_PORT;
  const port = rawPort === undefined || rawPort === "" ? 0 : Number(rawPort);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`IOTA_PEER_PORT must be a whole number from 0 to 65535 (0: any free port), got ${JSON.stringify(rawPort)}`);
  const given = process.env.IOTA_PEER_ADDRESS;
  if (given) {
    if (!/^[A-Za-z0-9.\-:[\]]+$/.test(given) || given.length > 253)
      throw new Error(`IOTA_PEER_ADDRESS must be a host name or IP address other hosts can reach this one at, got ${JSON.stringify(given)}`);
    return { port, host: given };
  }
  if (!wildcard.has(bindAddress)) return { port, host: bindAddress };
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && !i.internal && i.family === "IPv4");
  return { port, host: external?.address ?? "127.0.0.1" };
}

/** host:port as the other hosts dial it (IPv6 in brackets). */
export function peerAddress(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}
