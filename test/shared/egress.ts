// SSRF: a script's fetch() to loopback, private, link-local and metadata addresses, in every
// spelling, through a name, or through a redirect from a server the operator opened, is refused
// with the same code and message in the execution record on both builds, and never connects.
import { lookup } from "node:dns/promises";
import { hostname } from "node:os";
import { describe, expect, test } from "vitest";
import type { SharedWorld } from "./system-under-test.ts";

const fetcher = `export default async (input) => {
  const out = [];
  for (const url of input.urls) {
    try { const r = await fetch(url); out.push("reached " + r.status); } catch (e) { out.push(e.message); }
  }
  return out;
}`;

export function egress(world: () => SharedWorld): void {
  describe("SSRF refusals", () => {
    test("every blocked address is refused with the same message and record, and the target sees no connection", async () => {
      const { acme, build, external, system, target } = world();
      // A name the machine resolves to loopback through its hosts file (Debian maps its own host
      // name so). The Cloudflare build resolves names over DNS-over-HTTPS (README: "the same
      // policy on a DNS-over-HTTPS answer"), which never sees that file: there the name does not
      // resolve at all. Either way nothing connects.
      const hostsName = hostname();
      const resolved = (await lookup(hostsName, { family: 4 })).address;
      expect(resolved, `${hostsName} should resolve to loopback here`).toMatch(/^127\./);
      const port = target.port;
      const loopback = (address: string) => `${address} is a loopback address (${address === "::1" ? "::1/128" : "127.0.0.0/8"})`;
      const hop = `http://127.0.0.1:${external.port}/hop`;
      const cases: [url: string, code: string, message: string][] = [
        [`http://127.0.0.1:${port}/a`, "EGRESS_BLOCKED", `fetch to http://127.0.0.1:${port}/a refused: ${loopback("127.0.0.1")}`],
        ["http://10.0.0.1/b", "EGRESS_BLOCKED", "fetch to http://10.0.0.1/b refused: 10.0.0.1 is a private address (10.0.0.0/8)"],
        [
          "http://169.254.169.254/latest/meta-data/",
          "EGRESS_BLOCKED",
          "fetch to http://169.254.169.254/latest/meta-data/ refused: 169.254.169.254 is a link-local/cloud-metadata address (169.254.0.0/16)",
        ],
        [`http://[::1]:${port}/c`, "EGRESS_BLOCKED", `fetch to http://[::1]:${port}/c refused: ${loopback("::1")}`],
        [`http://0x7f000001:${port}/d`, "EGRESS_BLOCKED", `fetch to http://127.0.0.1:${port}/d refused: ${loopback("127.0.0.1")}`],
        [`http://2130706433:${port}/e`, "EGRESS_BLOCKED", `fetch to http://127.0.0.1:${port}/e refused: ${loopback("127.0.0.1")}`],
        [
          `http://[::ffff:127.0.0.1]:${port}/i`,
          "EGRESS_BLOCKED",
          `fetch to http://[::ffff:7f00:1]:${port}/i refused: ::ffff:7f00:1 is an IPv4-mapped form of 127.0.0.1, ${loopback("127.0.0.1").replace("127.0.0.1 is ", "")}`,
        ],
        [`http://localhost:${port}/f`, "EGRESS_BLOCKED", `fetch to http://localhost:${port}/f refused: localhost is a loopback name (RFC 6761)`],
        build === "cloudflare"
          ? [`http://${hostsName}:${port}/g`, "EGRESS_FAILED", `fetch to http://${hostsName}:${port}/g failed: ${hostsName} could not be resolved`]
          : [
              `http://${hostsName}:${port}/g`,
              "EGRESS_BLOCKED",
              `fetch to http://${hostsName}:${port}/g refused: ${hostsName} resolves to ${resolved}, a loopback address (127.0.0.0/8)`,
            ],
        [
          `${hop}?to=http://127.0.0.1:${port}/h`,
          "EGRESS_BLOCKED",
          `fetch to http://127.0.0.1:${port}/h refused: ${loopback("127.0.0.1")} (redirected from ${hop})`,
        ],
      ];
      const id = await system.script({ name: "ssrf", code: fetcher, timeoutMs: 60_000 }, acme.owner);
      const run = await system.api(
        "POST",
        `/admin/api/scripts/${id}/runs`,
        { input: { urls: cases.map(([url]) => url) }, mode: "sync" },
        { token: acme.owner },
      );
      expect(run.body.status, JSON.stringify(run.body.error)).toBe("succeeded");
      expect(run.body.output).toEqual(cases.map(([, , message]) => message));
      const records = run.body.outbound.map((r: { url: string; status: number | null; refused?: string }) => ({
        url: r.url,
        status: r.status,
        refused: r.refused,
      }));
      const refusedAt = (message: string) => message.slice("fetch to ".length).split(/ (refused|failed): /)[0];
      expect(records).toEqual([
        ...cases.slice(0, -1).map(([, code, message]) => ({ url: refusedAt(message), status: null, refused: code })),
        { url: hop, status: 302, refused: undefined },
        { url: `http://127.0.0.1:${port}/h`, status: null, refused: "EGRESS_BLOCKED" },
      ]);
      expect(target.connections).toBe(0);
      // The execution as history keeps it says the same.
      const kept = await system.api("GET", `/admin/api/executions/${run.body.id}`, undefined, { token: acme.owner });
      expect(kept.body.outbound).toEqual(run.body.outbound);
    }, 60_000);
  });
}
