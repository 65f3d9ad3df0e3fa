// A runner shard's entry worker: the host posts one job per request and gets its result.
// Each shard is its own workerd process, so the host can kill it without touching the others.
import harnessSource from "virtual:harness-source";
import type { RunJob } from "../../protocol/run.ts";
import { execute } from "./execute.ts";

interface RunnerEnv {
  LOADER: WorkerLoader;
  MARKER: string;
  COMPATIBILITY_DATE: string;
}

export default {
  async fetch(request: Request, env: RunnerEnv): Promise<Response> {
    const url = new URL(request.url);
    if (request.method === "GET" && url.pathname === "/health") return new Response("ok");
    if (request.method !== "POST" || url.pathname !== "/run") return new Response("not found", { status: 404 });
    const job = (await request.json()) as RunJob;
    const result = await execute(env.LOADER, job, {
      harnessSource,
      marker: env.MARKER,
      compatibilityDate: env.COMPATIBILITY_DATE,
    });
    return Response.json(result);
  },
} satisfies ExportedHandler<RunnerEnv>;
