// What every shared check needs: one running system of the build under test, two tenants (acme
// with a token per role, globex as the stranger), an external API the operator opened, and a
// loopback server nobody opened, which no script may ever reach.
import { startRecordingServer } from "../support/recording-server.ts";
import { System } from "../support/system.ts";

export type Build = "local" | "cloudflare";
export type RoleName = "viewer" | "developer" | "admin" | "owner";

export interface SharedWorld {
  build: Build;
  system: System;
  /** acme's tokens by role; `owner` is the one its tenant was made with. */
  acme: Record<RoleName, string>;
  globex: string;
  /** Opened by IOTA_EGRESS_ALLOW; any path with `?to=URL` answers 302 to URL. */
  external: Awaited<ReturnType<typeof startRecordingServer>>;
  /** Never opened: the target of every SSRF attempt. */
  target: Awaited<ReturnType<typeof startRecordingServer>>;
  stop(): Promise<void>;
}

export async function startWorld(build: Build): Promise<SharedWorld> {
  const external = await startRecordingServer((r) => {
    const to = new URL(r.url, "http://x").searchParams.get("to");
    return to ? { status: 302, headers: { location: to }, body: {} } : { body: { echoed: r.url } };
  });
  const target = await startRecordingServer();
  const system = await System.start({ build, env: { IOTA_EGRESS_ALLOW: `127.0.0.1:${external.port}` } }).catch(async (error: unknown) => {
    await Promise.all([external.close(), target.close()]);
    throw error;
  });
  const owner = (await system.tenant("acme")).token;
  const globex = (await system.tenant("globex")).token;
  const acme = { owner } as Record<RoleName, string>;
  for (const role of ["viewer", "developer", "admin"] as const) {
    const made = await system.api("POST", "/admin/api/tokens", { name: `acme-${role}`, role }, { token: owner });
    if (made.status !== 201) throw new Error(`token for ${role}: ${made.status} ${JSON.stringify(made.body)}`);
    acme[role] = made.body.token;
  }
  return {
    build,
    system,
    acme,
    globex,
    external,
    target,
    async stop() {
      await system.destroy();
      await external.close();
      await target.close();
    },
  };
}
