// `npm run bench:isolation`: does one tenant's runaway hurt another? Measures tenant B's sync
// runs alone, then while tenant A keeps infinite loops, memory bombs and regex bombs running
// at its quota.
import { System } from "../test/support/system.ts";
import { printTable, round, summarise, writeResults, type LatencySummary } from "./stats.ts";

const phaseMs = Number(process.env.BENCH_PHASE_MS ?? 15_000);
const victimConcurrency = 4;
const attackerQuota = 10;

async function tenant(system: System, slug: string) {
  const created = await system.api("POST", "/admin/api/tenants", { slug, name: slug, maxConcurrency: attackerQuota });
  const token = (await system.api("POST", "/admin/api/tokens", { name: "owner", role: "owner", tenant: slug })).body.token as string;
  return { id: created.body.id as string, slug, token };
}

async function measure(system: System, scriptId: string, token: string, ms: number): Promise<LatencySummary> {
  const latencies: number[] = [];
  let ok = 0;
  let requests = 0;
  const until = Date.now() + ms;
  await Promise.all(
    Array.from({ length: victimConcurrency }, async (_, worker) => {
      for (let i = 0; Date.now() < until && i < 100_000; i++) {
        const t0 = performance.now();
        const r = await system.run(scriptId, { worker, i }, token);
        latencies.push(performance.now() - t0);
        requests++;
        if (r.status === 200 && r.body.status === "succeeded") ok++;
      }
    }),
  );
  return summarise(latencies, ok, requests);
}

const attacks = [
  { name: "loop", code: "export default () => { for (;;) {} }", fields: { timeoutMs: 1000 } },
  { name: "memory", code: "export default () => { const k = []; for (;;) k.push(new Array(131072).fill(1.5)); }", fields: { timeoutMs: 10_000, memoryMb: 128 } },
  { name: "regex", code: "export default () => /(a+)+$/.test('a'.repeat(100000) + '!')", fields: { timeoutMs: 1000 } },
];

async function main(): Promise<void> {
  const system = await System.start({ env: { LOG_LEVEL: "error" } });
  try {
    const attacker = await tenant(system, "attacker");
    const victim = await tenant(system, "victim");

    const victimScript = await system.script({ name: "price", code: "export default (i) => ({ price: 100 + i.i % 7, worker: i.worker })" }, victim.token);
    const attackIds = await Promise.all(attacks.map((a) => system.script({ name: a.name, code: a.code, ...a.fields }, attacker.token)));

    await measure(system, victimScript, victim.token, 1000); // warm-up
    const alone = await measure(system, victimScript, victim.token, phaseMs);

    let stop = false;
    const fired: Record<string, number> = {};
    const attackLoad = Promise.all(
      Array.from({ length: attackerQuota }, async (_, worker) => {
        for (let i = 0; !stop && i < 10_000; i++) {
          const kind = (worker + i) % attacks.length;
          const r = await system.run(attackIds[kind]!, null, attacker.token);
          const key = `${attacks[kind]!.name}:${r.status === 200 ? r.body.status : r.status}`;
          fired[key] = (fired[key] ?? 0) + 1;
        }
      }),
    );
    await new Promise((r) => setTimeout(r, 300));
    const underAttack = await measure(system, victimScript, victim.token, phaseMs);
    stop = true;
    await attackLoad;
    const runners = (await system.api("GET", "/admin/api/runners")).body;

    const rows = [
      { scenario: "B alone", ...alone },
      { scenario: "B while A attacks", ...underAttack },
    ].map((r) => ({ ...r, successRate: `${round(r.successRate * 100)}%` }));
    printTable(rows);
    const ratio = round(underAttack.p99Ms / alone.p99Ms);
    console.log(`\np99 under attack / p99 alone: ${ratio}x (target <= 2x); B requests lost: ${underAttack.requests - underAttack.ok} (target 0)`);
    console.log(`attacker outcomes: ${JSON.stringify(fired)}`);
    console.log(`runner restarts: ${runners.shards.map((s: { name: string; restarts: number }) => `${s.name}=${s.restarts}`).join(" ")}`);
    const file = await writeResults("isolation", { phaseMs, victimConcurrency, attackerQuota, alone, underAttack, ratio, attackerOutcomes: fired, runners });
    console.log(`written to ${file}`);
  } finally {
    await system.destroy();
  }
}

await main();
