// For load balancers and monitoring: liveness and readiness.
import * as z from "zod";

export const liveness = z.object({ status: z.literal("ok") }).meta({ id: "Liveness" });

export const readiness = z
  .object({
    status: z.enum(["ready", "not ready"]),
    checks: z
      .record(z.string(), z.string())
      .meta({ description: 'Each dependency: "ok", or what is wrong with it.', example: { database: "ok", runners: "ok" } }),
  })
  .meta({ id: "Readiness" });
