// Cron schedules, shared by the dispatcher (which runs them) and the admin (which previews
// them): parsing and validation, the next runs in a time zone, and that zone's offsets.
// The plain-language explanation is in ./explain.ts, apart, so the dispatcher does not bundle it.
export { CronError, cronFields, parseCron, type ParsedCron } from "./parse.ts";
export { lastRuns, nextRuns, upcoming, type UpcomingRun } from "./schedule.ts";
export { isKnownZone, isoInZone } from "./zone.ts";
