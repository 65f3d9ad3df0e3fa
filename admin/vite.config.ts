// Builds the admin SPA into admin/dist, served by the dispatcher at /admin/.
// Run from the repository root: `vite build --config admin/vite.config.ts`.
import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";
import solid from "vite-plugin-solid";

const adminDir = fileURLToPath(new URL(".", import.meta.url));
const assetsDir = join(adminDir, "dist", "assets");

/**
 * The output is replaced in place, never emptied first: a server already running from admin/dist
 * (npm start, or the hosts of a test run beside this build) keeps index.html and the files it
 * names throughout. Files of earlier builds go once they are an hour old.
 */
function replaceInPlace(): Plugin {
  const written = new Set<string>();
  return {
    name: "iota-replace-in-place",
    apply: "build",
    writeBundle(_options, bundle) {
      for (const file of Object.keys(bundle)) written.add(file.replace(/^assets\//, ""));
    },
    async closeBundle() {
      const hourAgo = Date.now() - 3_600_000;
      const files = await readdir(assetsDir).catch(() => []);
      for (const file of files) {
        if (written.has(file)) continue;
        const info = await stat(join(assetsDir, file)).catch(() => undefined);
        if (info && info.mtimeMs < hourAgo) await rm(join(assetsDir, file), { force: true });
      }
    },
  };
}

export default defineConfig({
  // "admin", resolved from this file so the build works from any working directory.
  root: adminDir,
  base: "/admin/",
  plugins: [solid(), replaceInPlace()],
  worker: { format: "es" },
  build: {
    outDir: "dist",
    emptyOutDir: false,
    target: "es2022",
    // Monaco and its TypeScript worker are large by nature; they load once and are cached.
    chunkSizeWarningLimit: 8000,
  },
  server: {
    // `npx vite --config admin/vite.config.ts` with the product on :8787 for live editing.
    proxy: { "/admin/api": { target: process.env.IOTA_API ?? "http://127.0.0.1:8787", changeOrigin: false } },
  },
});
