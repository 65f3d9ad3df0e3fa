import type { Env } from "./env.ts";
import type { Principal } from "./domain/principal.ts";
import type { Services } from "./services.ts";

/** The Hono context every route sees. */
export type AppEnv = {
  Bindings: Env;
  Variables: { services: Services; principal: Principal; requestId: string; csrfToken?: string };
};
