// What operators watch, in Prometheus text format, read from the database and the runners.
import { sql } from "drizzle-orm";
import type { Database } from "../../db/open-remote.ts";
import type { RunnerStats } from "../platform/runner.ts";

const bucketsMs = [10, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000, 60_000, 300_000, 900_000];

const label = (v: unknown) =>
  String(v ?? "")
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\n/g, "\\n");

export async function renderMetrics(db: Database, runners: RunnerStats): Promise<string> {
  const out: string[] = [];
  const family = (name: string, type: string, help: string) => out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);

  family("iota_executions_total", "counter", "Executions in retained history, by tenant, script kind and status.");
  const byStatus = await db.values<[string, string, string, number]>(sql`
    SELECT t.slug, s.kind, e.status, count(*) FROM executions e JOIN scripts s ON s.id = e.script_id JOIN tenants t ON t.id = e.tenant_id GROUP BY 1, 2, 3`);
  for (const [tenant, kind, status, n] of byStatus)
    out.push(`iota_executions_total{tenant="${label(tenant)}",kind="${label(kind)}",status="${label(status)}"} ${Number(n)}`);

  family("iota_execution_duration_seconds", "histogram", "Duration of finished executions in retained history, by script kind.");
  const cases = bucketsMs.map((b) => sql`sum(CASE WHEN e.duration_ms <= ${b} THEN 1 ELSE 0 END)`);
  const hist = await db.values<(string | number)[]>(sql`
    SELECT s.kind, ${sql.join(cases, sql`, `)}, count(*), coalesce(sum(e.duration_ms), 0)
    FROM executions e JOIN scripts s ON s.id = e.script_id WHERE e.duration_ms IS NOT NULL GROUP BY 1`);
  for (const row of hist) {
    const kind = label(row[0]);
    for (const [i, b] of bucketsMs.entries()) out.push(`iota_execution_duration_seconds_bucket{kind="${kind}",le="${b / 1000}"} ${Number(row[i + 1])}`);
    out.push(`iota_execution_duration_seconds_bucket{kind="${kind}",le="+Inf"} ${Number(row[bucketsMs.length + 1])}`);
    out.push(`iota_execution_duration_seconds_count{kind="${kind}"} ${Number(row[bucketsMs.length + 1])}`);
    out.push(`iota_execution_duration_seconds_sum{kind="${kind}"} ${Number(row[bucketsMs.length + 2]) / 1000}`);
  }

  family("iota_executions_in_progress", "gauge", "Executions queued (waiting for a slot or a retry) and running, by tenant.");
  const progress = await db.values<[string, string, number]>(sql`
    SELECT t.slug, e.status, count(*) FROM executions e JOIN tenants t ON t.id = e.tenant_id WHERE e.status IN ('queued', 'running') GROUP BY 1, 2`);
  for (const [tenant, status, n] of progress) out.push(`iota_executions_in_progress{tenant="${label(tenant)}",state="${label(status)}"} ${Number(n)}`);

  const [[waiting]] = (await db.values<[number]>(sql`SELECT count(*) FROM executions WHERE trigger = 'event' AND status = 'queued'`)) as [[number]];
  family("iota_event_deliveries_waiting", "gauge", "Event deliveries waiting to run (new or retrying).");
  out.push(`iota_event_deliveries_waiting ${Number(waiting)}`);
  const [[dead]] = (await db.values<[number]>(sql`SELECT count(*) FROM dead_letters WHERE replayed_at IS NULL`)) as [[number]];
  family("iota_dead_letters", "gauge", "Dead-lettered event deliveries not replayed.");
  out.push(`iota_dead_letters ${Number(dead)}`);

  family("iota_alert_deliveries", "gauge", "Alert messages by state.");
  for (const [status, n] of await db.values<[string, number]>(sql`SELECT status, count(*) FROM alert_deliveries GROUP BY 1`))
    out.push(`iota_alert_deliveries{state="${label(status)}"} ${Number(n)}`);

  family("iota_runner_processes", "gauge", "Runner processes (workerd) up.");
  out.push(`iota_runner_processes ${runners.shards.filter((s) => s.pid !== undefined).length}`);
  family("iota_runner_restarts_total", "counter", "Runner restarts after a kill or crash, by runner.");
  for (const s of runners.shards) out.push(`iota_runner_restarts_total{runner="${label(s.name)}"} ${s.restarts}`);
  family("iota_egress_refusals_total", "counter", "Outbound requests refused by the egress policy since the host started.");
  out.push(`iota_egress_refusals_total ${runners.egressRefusals ?? 0}`);
  return `${out.join("\n")}\n`;
}
