// Builds the admin SPA into admin/dist, served by the dispatcher at /admin/.
// Run from the repository root: `vite build --config admin/vite.config.ts`.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

const adminDir = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  // "admin", resolved from this file so the build works from any working directory.
  root: adminDir,
  base: "/admin/",
  plugins: [solid()],
  worker: { format: "es" },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // Monaco and its TypeScript worker are large by nature; they load once and are cached.
    chunkSizeWarningLimit: 8000,
  },
  server: {
    // `npx vite --config admin/vite.config.ts` with the product on :8787 for live editing.
    proxy: { "/admin/api": { target: process.env.IOTA_API ?? "http://127.0.0.1:8787", changeOrigin: false } },
  },
});
