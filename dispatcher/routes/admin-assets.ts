// The admin SPA under /admin/: files from the ASSETS binding, index.html for client-side
// routes, long caching for Vite's hashed files and none for the page itself.
import { Hono } from "hono";
import type { AppEnv } from "../types.ts";

const types: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json",
  svg: "image/svg+xml",
  png: "image/png",
  ico: "image/x-icon",
  ttf: "font/ttf",
  woff: "font/woff",
  woff2: "font/woff2",
  map: "application/json",
};

// Monaco styles itself inline and runs its language services in workers from our origin.
const csp =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";

async function fetchAsset(assets: Fetcher, path: string): Promise<Response | undefined> {
  const response = await assets.fetch(`http://assets${path}`);
  if (!response.ok) return undefined;
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  const headers = new Headers({
    "content-type": types[ext] ?? "application/octet-stream",
    "x-content-type-options": "nosniff",
    "cache-control": path.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
  });
  if (ext === "html") {
    headers.set("content-security-policy", csp);
    headers.set("referrer-policy", "same-origin");
  }
  return new Response(response.body, { status: 200, headers });
}

export function adminAssetRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/admin", (c) => c.redirect("/admin/", 301));
  app.get("/admin/*", async (c, next) => {
    if (c.req.path.startsWith("/admin/api/")) return next();
    const assets = c.env.ASSETS;
    if (!assets) return c.text("The admin is not built on this server (run npm run build:admin).", 503);
    const path = c.req.path.slice("/admin".length) || "/";
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return c.notFound();
    }
    if (decoded.includes("..") || decoded.includes("\0")) return c.notFound();
    const file = path.endsWith("/") ? `${path}index.html` : path;
    const found = await fetchAsset(assets, file);
    if (found) return found;
    // A client-side route (no file extension) gets the app; a missing file stays a 404.
    if (!/\.[a-z0-9]+$/i.test(path)) return (await fetchAsset(assets, "/index.html")) ?? c.notFound();
    return c.notFound();
  });
  return app;
}
