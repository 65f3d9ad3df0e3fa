// `npm run db:migrate`: brings the database LIBSQL_URL names (Turso, sqld, or a file: URL) up to
// date with db/migrations. `npm start` does this for its own database at every start; a
// Cloudflare deployment, which runs no host, needs it once per release, before `wrangler deploy`.
import { migrateDatabase } from "./open-local.ts";

const url = process.env.LIBSQL_URL;
if (!url) {
  console.error("LIBSQL_URL is not set: name the database to migrate (libsql://<db>.turso.io, https://..., or file:...)");
  process.exit(2);
}
try {
  await migrateDatabase({ url, authToken: process.env.LIBSQL_AUTH_TOKEN || undefined });
  console.log("the database is up to date");
} catch (error) {
  console.error((error as Error).message);
  process.exit(1);
}
