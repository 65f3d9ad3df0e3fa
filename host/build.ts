// Bundles the code that runs inside workerd: the dispatcher, the runner shard's worker and the
// sandbox harness (which the runner embeds as text and hands to the Worker Loader).
import { build, type Plugin } from "esbuild";
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { join } from "node:path";

const root = fileURLToPath(new URL("..", import.meta.url));

export interface WorkerBundles {
  dispatcher: string;
  runner: string;
}

const common = {
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2024",
  mainFields: ["module", "main"] as string[],
  conditions: ["workerd", "worker", "browser"] as string[],
  external: ["cloudflare:*", "node:*"] as string[],
  sourcemap: false,
  logLevel: "silent",
} as const;

function harnessText(source: string): Plugin {
  return {
    name: "harness-source",
    setup(b) {
      b.onResolve({ filter: /^virtual:harness-source$/ }, () => ({ path: "harness", namespace: "harness" }));
      b.onLoad({ filter: /.*/, namespace: "harness" }, () => ({ contents: `export default ${JSON.stringify(source)};`, loader: "js" }));
    },
  };
}

export async function buildWorkers(outDir = join(root, ".build")): Promise<WorkerBundles> {
  await mkdir(outDir, { recursive: true });
  const harness = await build({ ...common, entryPoints: [join(root, "workers/sandbox/harness.ts")], write: false });
  const harnessSource = harness.outputFiles![0]!.text;
  const dispatcher = join(outDir, "dispatcher.js");
  const runner = join(outDir, "runner.js");
  // wrangler (Cloudflare deploys) resolves the same import through an alias to this file.
  await writeFile(join(outDir, "harness-source.js"), `export default ${JSON.stringify(harnessSource)};\n`);
  await Promise.all([
    build({ ...common, entryPoints: [join(root, "dispatcher/index.ts")], outfile: dispatcher, plugins: [harnessText(harnessSource)] }),
    build({ ...common, entryPoints: [join(root, "workers/runner/index.ts")], outfile: runner, plugins: [harnessText(harnessSource)] }),
  ]);
  return { dispatcher, runner };
}

if (import.meta.main) {
  const out = await buildWorkers();
  console.log(`built ${out.dispatcher} and ${out.runner}`);
}
