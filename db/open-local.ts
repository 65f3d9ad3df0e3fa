// Migrations moved to db/migrate.ts, which also runs them as `npm run db:migrate`; this name stays
// until host/main.ts imports them from there.
export { migrateDatabase, migrateLocalDatabase } from "./migrate.ts";
