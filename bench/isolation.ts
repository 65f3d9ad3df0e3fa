// `npm run bench:isolation`: does one tenant's hostility hurt another? Measures tenant B's sync
// runs alone, then while five attacking tenants each cycle through every attack class of issue 11
// (loops, CPU left running after the run, heap and off-heap memory, console, progress and storage
// floods). Meanwhile it samples every runner's RSS and every process group's CPU from /proc.
// A missed target is a measurement, not a failure: the exit code stays 0 and the table says MISSED.
import { System } from "../test/support/system.ts";
import { answered, attack, outcomeOf, prepareAttacker, Tally } from "./attacks.ts";
import { cpuShares, cpuSnapshot, findHostPid, HostCpuTrace } from "./cpu-share.ts";
import { dirBytes, memAvailableMb } from "./proc.ts";
import { RunnerMemory, type RunnerShard } from "./runner-memory.ts";
import { printTable, round, summarise, writeResults, type LatencySummary } from "./stats.ts";

const phaseMs = Number(process.env.BENCH_PHASE_MS ?? 15_000);
const victimConcurrency = 4;
const attackerQuota = 10; // maxConcurrency of every tenant, as before
const attackerCount = 5;
// Each attacker keeps its whole quota busy, as a hostile tenant would.
const workersPerAttacker = Number(process.env.BENCH_ATTACKER_WORKERS ?? attackerQuota);
const storageRunsPerTenant = 60; // ~60 MB of inputs per attacker per run of the benchmark
const targets = { p99Ratio: 1.5, rssOverTierMb: 64, hostCpuPercent: 25 };

async function tenant(system: System, slug: string) {
  const created = await system.api("POST", "/admin/api/tenants", { slug, name: slug, maxConcurrency: attackerQuota });
  if (created.status !== 201) throw new Error(`tenant ${slug}: ${created.status} ${JSON.stringify(created.body)}`);
  const token = (await system.api("POST", "/admin/api/tokens", { name: "owner", role: "owner", tenant: slug })).body.token as string;
  return { slug, token };
}

interface VictimResult extends LatencySummary {
  /** Every answer that was not a succeeded run, by outcome, and the first error of each. */
  lost: Record<string, number>;
  lostSamples: Record<string, unknown>;
  /**
   * p99 of the run as recorded (durationMs, in the runner) and of admission to start: with the
   * request latency, they say whether a slow B run was slow in its runner or around it.
   */
  runP99Ms: number;
  toStartP99Ms: number;
}

async function measure(system: System, scriptId: string, token: string, ms: number): Promise<VictimResult> {
  const latencies: number[] = [];
  const runMs: number[] = [];
  const toStartMs: number[] = [];
  const lost: Record<string, number> = {};
  const lostSamples: Record<string, unknown> = {};
  let ok = 0;
  let requests = 0;
  const until = Date.now() + ms;
  await Promise.all(
    Array.from({ length: victimConcurrency }, async (_, worker) => {
      for (let i = 0; Date.now() < until && i < 100_000; i++) {
        const t0 = performance.now();
        const r = await answered(() => system.run(scriptId, { worker, i }, token));
        latencies.push(performance.now() - t0);
        requests++;
        const outcome = outcomeOf(r);
        if (outcome === "succeeded") ok++;
        else {
          lost[outcome] = (lost[outcome] ?? 0) + 1;
          lostSamples[outcome] ??= r.body?.error ?? r.body;
        }
        if (r.status === 200 && typeof r.body?.durationMs === "number") {
          runMs.push(r.body.durationMs);
          if (r.body.startedAt && r.body.createdAt) toStartMs.push(Date.parse(r.body.startedAt) - Date.parse(r.body.createdAt));
        }
      }
    }),
  );
  const p99 = (values: number[]) => summarise(values, 0, 0).p99Ms;
  return { ...summarise(latencies, ok, requests), lost, lostSamples, runP99Ms: p99(runMs), toStartP99Ms: p99(toStartMs) };
}

/** B's runs with the CPU shares of every process group over the same window. */
async function phase(system: System, hostPid: number, scriptId: string, token: string) {
  const before = cpuSnapshot(hostPid);
  const victim = await measure(system, scriptId, token, phaseMs);
  return { victim, cpu: cpuShares(before, cpuSnapshot(hostPid)) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mark = (pass: boolean) => (pass ? "ok" : "MISSED");

async function main(): Promise<void> {
  const system = await System.start({ env: { LOG_LEVEL: "error" } });
  try {
    const hostPid = findHostPid();
    // What the host says at start-up about how it contains runners (cgroups, watchdog), if anything.
    const enforcement = system.output
      .split("\n")
      .filter((l) => /cgroup|watchdog|enforc|containment/i.test(l))
      .slice(0, 3);
    const tally = new Tally();
    const victim = await tenant(system, "victim");
    const attackers = await Promise.all(
      Array.from({ length: attackerCount }, async (_, i) => {
        const t = await tenant(system, `attacker${i + 1}`);
        return prepareAttacker(system, t.slug, t.token, tally);
      }),
    );
    const victimScript = await system.script({ name: "price", code: "export default (i) => ({ price: 100 + i.i % 7, worker: i.worker })" }, victim.token);

    await measure(system, victimScript, victim.token, 1000); // warm-up
    const alone = await phase(system, hostPid, victimScript, victim.token);

    // A safety net for the machine, not a target: when nothing caps memory, five tenants at
    // it could take the machine others are using, so the memory attacks stop past this much.
    const guardMb = Math.round(Math.min(6144, memAvailableMb() * 0.3));
    let stopped = false;
    let memoryPaused = false;
    const memory = new RunnerMemory({
      hostPid,
      guardMb,
      onGuard: () => (memoryPaused = true),
      listRunners: async () => {
        const r = await system.api<{ shards: RunnerShard[] }>("GET", "/admin/api/runners");
        if (r.status !== 200) throw new Error(`runners: ${r.status}`);
        return r.body.shards;
      },
    });
    const hostTrace = new HostCpuTrace(hostPid);
    const dbBefore = await dirBytes(system.dataDir);
    await memory.start();
    hostTrace.start();
    const attackLoad = attack(
      system,
      attackers,
      { workersPerTenant: workersPerAttacker, stopped: () => stopped, memoryPaused: () => memoryPaused, storageBurst: 10, storageRunsPerTenant },
      tally,
    );
    await sleep(1000); // the attacks under way before B is measured
    const underAttack = await phase(system, hostPid, victimScript, victim.token);
    stopped = true;
    // In-flight attacks end by their own timeouts; a host that stopped answering must not hang the benchmark.
    const drained = await Promise.race([attackLoad.then(() => true), sleep(20_000).then(() => false)]);
    hostTrace.stop();
    await memory.stop();
    const dbGrowthMb = round(((await dirBytes(system.dataDir)) - dbBefore) / 1024 / 1024, 1);
    const runners = (await answered(() => system.api("GET", "/admin/api/runners"))).body;
    const listed = new Map<string, RunnerShard>((runners?.shards ?? []).map((s: RunnerShard) => [s.name, s]));

    // Results.
    const scenario = (name: string, p: typeof alone) => ({
      scenario: name,
      requests: p.victim.requests,
      ok: p.victim.ok,
      p50Ms: p.victim.p50Ms,
      p99Ms: p.victim.p99Ms,
      runP99Ms: p.victim.runP99Ms,
      toStartP99Ms: p.victim.toStartP99Ms,
      "host%": p.cpu.host,
      "dispatcher%": p.cpu.dispatcher,
      "runners%": p.cpu.runners,
      "bench%": p.cpu.bench,
      "elsewhere%": p.cpu.elsewhere,
      "idle%": p.cpu.idle,
    });
    console.log(`\ncontainment the host reported at start-up: ${enforcement.length ? enforcement.join(" | ").slice(0, 400) : "none said"}`);
    console.log(
      `Tenant B (${victimConcurrency} workers, sync runs) alone, then while ${attackerCount} tenants x ${workersPerAttacker} workers attack; ${phaseMs} ms each; CPU as % of the whole machine`,
    );
    printTable([scenario("B alone", alone), scenario("B under attack", underAttack)]);

    console.log(`\nAttack outcomes (all ${attackerCount} attackers; database grew ${dbGrowthMb} MB during the attack)`);
    printTable(tally.rows());

    const peaks = memory.peaks();
    console.log(`\nRunner RSS during the attack (every ${memory.summary().meanIntervalMs} ms on average)`);
    printTable(
      peaks.map((p) => ({
        runner: p.name,
        owner: p.owner || "-",
        tierMb: p.tierMb ?? "?",
        limitMb: listed.get(p.name)?.limitMb ?? "-",
        peakRssMb: p.peakRssMb,
        anonAtPeakMb: p.anonAtPeakMb,
        overTierMb: p.overTierMb ?? "?",
        processes: p.pids.length,
        restarts: listed.get(p.name)?.restarts ?? "?",
      })),
    );

    const lost = underAttack.victim.requests - underAttack.victim.ok;
    const ratio = round(underAttack.victim.p99Ms / alone.victim.p99Ms);
    const worst = peaks.filter((p) => p.overTierMb !== null).sort((a, b) => b.overTierMb! - a.overTierMb!)[0];
    const hostPeak = hostTrace.peakPercent();
    const rows = [
      { check: "B loses nothing", measured: `${lost} of ${underAttack.victim.requests} lost`, target: "0", pass: mark(lost === 0) },
      {
        check: "B p99 under attack / alone",
        measured: `${ratio}x (${alone.victim.p99Ms} -> ${underAttack.victim.p99Ms} ms)`,
        target: `<= ${targets.p99Ratio}x`,
        pass: mark(ratio <= targets.p99Ratio),
      },
      {
        check: "runner RSS past its tier",
        measured: worst ? `${worst.overTierMb} MB (${worst.name}: ${worst.peakRssMb} MB)` : "no runner sampled",
        target: `<= ${targets.rssOverTierMb} MB`,
        pass: mark(worst !== undefined && worst.overTierMb! <= targets.rssOverTierMb),
      },
      {
        check: "host CPU share under attack",
        measured: `${underAttack.cpu.host}% (worst 1 s: ${hostPeak}%)`,
        target: `< ${targets.hostCpuPercent}%`,
        pass: mark(underAttack.cpu.host < targets.hostCpuPercent),
      },
    ];
    console.log("\nTargets");
    printTable(rows);
    if (lost > 0)
      console.log(`B's lost runs: ${JSON.stringify(underAttack.victim.lost)}; first of each: ${JSON.stringify(underAttack.victim.lostSamples).slice(0, 600)}`);
    if (memoryPaused)
      console.log(`memory attacks paused by the bench's safety guard (${guardMb} MB over all runners): ${JSON.stringify(memory.summary().guardTripped)}`);
    if (!drained) console.log("attackers did not finish within 20 s of the phase's end");
    const missed = rows.filter((r) => r.pass !== "ok").map((r) => r.check);
    console.log(missed.length ? `\n*** MISSED ${missed.length} of ${rows.length} targets: ${missed.join("; ")} ***` : `\nall ${rows.length} targets met`);

    const file = await writeResults("isolation", {
      phaseMs,
      enforcement,
      victimConcurrency,
      attackerCount,
      attackerQuota,
      workersPerAttacker,
      storageRunsPerTenant,
      alone,
      underAttack,
      targets: rows,
      attackOutcomes: tally.outcomes,
      attacksNotSent: tally.skipped,
      dbGrowthMb,
      hostCpuPeak1sPercent: hostPeak,
      runnerMemory: { ...memory.summary(), guardMb, peaks },
      runners,
    });
    console.log(`written to ${file}`);
  } finally {
    await system.destroy();
  }
}

await main();
