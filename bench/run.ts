/**
 * `npm run bench`: issue 5's benchmark. Generates (or reuses) the scenario
 * archives, starts the local SimBoard-compatible server, runs the compiled
 * binary against it and against floors made of standard tools, and prints one
 * table (metrics × scenarios), written also as bench/results.json and, with
 * the targets, bench/RESULTS.md.
 *
 *   bun bench/run.ts                     all scenarios (several minutes)
 *   bun bench/run.ts --quick             S and P, fewer repeats
 *   BENCH_SCENARIOS=S,P bun bench/run.ts  a subset
 *   --no-build                           measure dist/simboard-upload as it is
 *   --binary PATH                        measure another build
 *
 * Only a full run (every scenario, not --quick) rewrites bench/results.json
 * and bench/RESULTS.md; partial runs write .bench/results-partial.json.
 * Progress goes to stderr, the table to stdout.
 */
import { realpathSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os, { availableParallelism } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_TOKEN, startSimboardServer, type SimboardServer } from "../test/support/simboard-server.ts";
import { hashCases } from "../src/hash/hash-cases.ts";
import { loadHasher } from "../src/hash/xxh64.ts";
import { openCheckPool } from "../src/parallel/check-pool.ts";
import { listCase } from "../src/pack/case-members.ts";
import type { PlannedCase } from "../src/plan/sync-plan.ts";
import { catFloor, directoryFloor, scanFloor, tarFloor, warmCache, type FloorCommand } from "./floors.ts";
import { median, sample, timed, type Timed } from "./measure.ts";
import { ensureScenario, SCENARIOS, scratchDir, type Scenario, type ScenarioName } from "./scenarios.ts";
import { evaluateTargets, renderMarkdown, renderTable, type BenchResults, type ScenarioResult, type StageTimes } from "./report.ts";

const REPO = path.resolve(import.meta.dir, "..");
const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    "no-build": { type: "boolean", default: false },
    binary: { type: "string" },
    scenarios: { type: "string" },
  },
});
const requested = (flags.scenarios ?? process.env.BENCH_SCENARIOS ?? (flags.quick ? "S,P" : SCENARIOS.join(",")))
  .split(",")
  .map((s) => s.trim().toUpperCase())
  .filter(Boolean);
for (const name of requested) {
  if (!(SCENARIOS as readonly string[]).includes(name)) {
    console.error(`unknown scenario ${name}; choose from ${SCENARIOS.join(", ")}`);
    process.exit(2);
  }
}
const scenarios = SCENARIOS.filter((s) => requested.includes(s));
const complete = scenarios.length === SCENARIOS.length && !flags.quick;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

/** Repeats per scenario: medians of 5 (3 for L); --quick halves the work. */
function repeats(name: ScenarioName) {
  if (flags.quick) return { runs: 3, hash: 2, upload: 1 };
  const big = name === "P" || name === "C";
  return { runs: name === "L" ? 3 : 5, hash: name === "L" ? 1 : 3, upload: big ? 3 : 1 };
}

const binary = path.resolve(flags.binary ?? path.join(REPO, "dist/simboard-upload"));
if (!flags["no-build"] && !flags.binary) {
  log("building dist/simboard-upload (npm run build) ...");
  const built = await timed([process.execPath, path.join(REPO, "scripts/build.ts")], { cwd: REPO });
  if (built.exitCode !== 0) {
    console.error(`build failed:\n${built.stderr}`);
    process.exit(1);
  }
}

const scratch = scratchDir();
const workDir = path.join(scratch, "work");
await mkdir(workDir, { recursive: true });
const home = await mkdtemp(path.join(os.tmpdir(), "sbu-bench-home-"));
const tmp = await mkdtemp(path.join(os.tmpdir(), "sbu-bench-tmp-"));

/** The binary's environment: nothing from ours but PATH, as a cron job would have. */
const envFor = (server: SimboardServer, root: string): Record<string, string> => ({
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: home,
  TMPDIR: tmp,
  SIMBOARD_API_TOKEN: DEFAULT_TOKEN,
  SIMBOARD_API_BASE_URL: server.url,
  MACHINE_NAME: "chrysalis",
  PERF_ARCHIVE_ROOT: root,
});

async function runBinary(args: string[], server: SimboardServer, root: string, keepStdout = false): Promise<Timed> {
  const run = await timed([binary, ...args], { env: envFor(server, root), cwd: home, resources: true, keepStdout });
  if (run.exitCode !== 0) throw new Error(`simboard-upload ${args.join(" ")} exited ${run.exitCode}\n${run.stderr.slice(0, 2000)}`);
  return run;
}

async function runFloor(floor: FloorCommand): Promise<Timed> {
  const run = await timed(floor.argv, { resources: true });
  if (run.exitCode !== 0) throw new Error(`floor "${floor.label}" exited ${run.exitCode}\n${run.stderr.slice(0, 2000)}`);
  return run;
}

interface JsonReport {
  plan: { new: { execution_ids: string[]; bytes?: number; files?: number }[]; changed: unknown[]; unchanged: unknown[]; deferred: unknown[] };
  results: { status: string; requests: { bytes: number }[] }[] | null;
}

const parseReport = (run: Timed) => JSON.parse(run.stdout) as JsonReport;

/** A fresh JSON event-log path for one run. */
const eventLog = () => path.join(tmp, `events-${Date.now()}-${Math.random().toString(36).slice(2)}.ndjson`);
const logged = (file: string) => ["--log-format", "json", "--log-file", file];

/** Per-stage times of a run, from its JSON event log (millisecond timestamps). */
async function stageTimes(run: Timed, logFile: string): Promise<StageTimes> {
  const events = (await readFile(logFile, "utf8"))
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as { time: string; event: string });
  await rm(logFile, { force: true });
  const at = (name: string, last = false) => {
    const matching = events.filter((e) => e.event === name);
    const hit = last ? matching.at(-1) : matching[0];
    return hit ? Date.parse(hit.time) : undefined;
  };
  const started = at("run_started")!;
  const fetched = at("state_fetched")!;
  const scanned = at("scan_completed")!;
  const validated = at("executions_validated")!;
  const hashed = at("case_hashed", true) ?? validated;
  const finished = at("run_finished")!;
  return {
    wallMs: run.wallMs,
    startupMs: run.wallMs - (finished - started),
    stateMs: fetched - started,
    scanMs: scanned - fetched,
    validateMs: validated - scanned,
    hashMs: hashed - validated,
    applyMs: finished - hashed,
  };
}

async function benchScenario(scenario: Scenario): Promise<ScenarioResult> {
  const { name, root } = scenario;
  const reps = repeats(name);
  const cases = scenario.cases.map((c) => ({ ...c, real: realpathSync(c.path) }));

  const empty = await startSimboardServer();
  const seeded = await startSimboardServer();
  for (const c of cases) seeded.seedIngestion({ machine: "chrysalis", sourceType: "hpc_upload", casePath: c.real, processedExecutionIds: c.executionIds });

  const floor = scanFloor(root);
  const dirFloor = directoryFloor(root);

  // Warm the page cache and check the scenario is what it claims to be.
  log(`${name}: warming (${scenario.executions} executions) ...`);
  await runFloor(warmCache(root));
  await runFloor(floor);
  // The warm-up runs also give the stage breakdown (JSON report + event log; the timed runs carry neither).
  const dryLog = eventLog();
  const dryWarm = await runBinary(["sync", "--dry-run", "--json", ...logged(dryLog)], empty, root, true);
  const dryStages = await stageTimes(dryWarm, dryLog);
  const dryCheck = parseReport(dryWarm);
  const planned = dryCheck.plan.new.reduce((n, c) => n + c.execution_ids.length, 0);
  if (dryCheck.plan.new.length !== cases.length || planned !== scenario.executions) {
    throw new Error(`${name}: dry run planned ${dryCheck.plan.new.length} cases / ${planned} executions, expected ${cases.length} / ${scenario.executions}`);
  }
  const noopLog = eventLog();
  const noopWarm = await runBinary(["sync", "--json", ...logged(noopLog)], seeded, root, true);
  const noopStages = await stageTimes(noopWarm, noopLog);
  const noopCheck = parseReport(noopWarm);
  if (noopCheck.plan.new.length + noopCheck.plan.changed.length !== 0 || noopCheck.plan.unchanged.length !== cases.length) {
    throw new Error(`${name}: no-op run was not a no-op (${noopCheck.plan.new.length} new, ${noopCheck.plan.changed.length} changed)`);
  }

  // Interleaved, so drift (other load, cache state) hits binary and floor alike.
  log(`${name}: dry run / no-op run / floors × ${reps.runs} ...`);
  const floorRuns: Timed[] = [];
  const dirFloorRuns: Timed[] = [];
  const dryRuns: Timed[] = [];
  const noopRuns: Timed[] = [];
  for (let i = 0; i < reps.runs; i++) {
    floorRuns.push(await runFloor(floor));
    dryRuns.push(await runBinary(["sync", "--dry-run"], empty, root));
    noopRuns.push(await runBinary(["sync"], seeded, root));
    dirFloorRuns.push(await runFloor(dirFloor));
  }
  await empty.stop();
  await seeded.stop();

  // Hashing, in process with the binary's own code (same Bun): manifests of
  // whole execution directories (--pack full), then digests at the binary's
  // default hash concurrency (threads), against `cat` of exactly those files.
  log(`${name}: hashing × ${reps.hash} ...`);
  const plannedCases: PlannedCase[] = cases.map((c) => ({
    casePath: c.real,
    walkedPath: c.path,
    displayPath: `${c.user}/${c.name}`,
    identity: `${c.user}/${c.name}`,
    uploadIds: c.executionIds,
    processedCount: 0,
    rejected: [],
  }));
  await loadHasher();
  // The binary's default: two threads where two cores are available.
  const pool = openCheckPool(Math.min(2, availableParallelism()));
  const listStarted = performance.now();
  const files = plannedCases.flatMap((p) => {
    const listed = listCase(p, "full");
    if ("changed" in listed) throw new Error(`${name}: cannot list ${p.casePath}: ${listed.changed}`);
    return listed.executions.flatMap((e) => e.entries.filter((m) => m.type === "file").map((m) => ({ absolutePath: m.absolutePath, size: statSync(m.absolutePath).size })));
  });
  const listMs = performance.now() - listStarted;
  const hashBytes = files.reduce((n, f) => n + f.size, 0);
  const cat = await catFloor(files.map((f) => f.absolutePath), workDir, name);
  await runFloor(cat);
  const catRuns: Timed[] = [];
  const hashRuns: { ms: number; cpuS: number }[] = [];
  for (let i = 0; i < reps.hash; i++) {
    catRuns.push(await runFloor(cat));
    const cpu = process.cpuUsage();
    const started = performance.now();
    await hashCases(plannedCases, new Map(), "full", pool);
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    hashRuns.push({ ms, cpuS: (used.user + used.system) / 1e6 });
  }

  pool.close();

  // Pack + upload, each run against a fresh (empty) server.
  log(`${name}: pack + upload (--pack full × ${reps.upload}, --pack metadata × 1) ...`);
  const execDirs = cases.flatMap((c) => c.executionIds.map((id) => path.join(c.path, id)));
  const tar = await tarFloor(root, execDirs, workDir, name);
  await runFloor(tar);
  const tarRuns: Timed[] = [];
  const fullRuns: { run: Timed; bytesSent: number; requests: number; serverCpuS: number; stages?: StageTimes }[] = [];
  /** One real upload into a fresh, empty server; the first full upload also logs events for the stage breakdown. */
  const upload = async (pack: "full" | "metadata", withLog = false) => {
    const server = await startSimboardServer();
    const logFile = withLog ? eventLog() : undefined;
    const cpu = process.cpuUsage();
    const run = await runBinary(["sync", "--pack", pack, "--json", ...(logFile ? logged(logFile) : [])], server, root, true);
    const used = process.cpuUsage(cpu);
    await server.stop();
    const report = parseReport(run);
    const results = report.results ?? [];
    const notUploaded = results.filter((r) => r.status !== "uploaded");
    if (results.length !== cases.length || notUploaded.length > 0) {
      throw new Error(`${name}: --pack ${pack} uploaded ${results.length - notUploaded.length} of ${cases.length} cases (${notUploaded[0]?.status ?? "missing"})`);
    }
    const requests = results.flatMap((r) => r.requests);
    run.stdout = "";
    const stages = logFile ? await stageTimes(run, logFile) : undefined;
    return { run, bytesSent: requests.reduce((n, q) => n + q.bytes, 0), requests: requests.length, serverCpuS: (used.user + used.system) / 1e6, stages };
  };
  for (let i = 0; i < reps.upload; i++) {
    tarRuns.push(await runFloor(tar));
    fullRuns.push(await upload("full", i === 0));
  }
  const metadata = await upload("metadata");
  const uploadStages = fullRuns[0]!.stages!;

  const med = (runs: Timed[]) => median(runs.map((r) => r.wallMs));
  const maxRss = (runs: (Timed | undefined)[]) => Math.max(...runs.map((r) => r?.rssKiB ?? 0));
  const medianFull = median(fullRuns.map((r) => r.run.wallMs));
  const hashMs = median(hashRuns.map((r) => r.ms));
  return {
    name,
    executions: scenario.executions,
    cases: cases.length,
    files: files.length,
    bytes: hashBytes,
    floorMs: med(floorRuns),
    dirFloorMs: med(dirFloorRuns),
    dry: { medianMs: med(dryRuns), samplesMs: dryRuns.map((r) => r.wallMs), rssKiB: maxRss(dryRuns), cpuS: median(dryRuns.map((r) => r.cpuS ?? 0)), stages: dryStages },
    noop: { medianMs: med(noopRuns), samplesMs: noopRuns.map((r) => r.wallMs), rssKiB: maxRss(noopRuns), cpuS: median(noopRuns.map((r) => r.cpuS ?? 0)), stages: noopStages },
    hash: {
      listMs,
      digestMs: hashMs,
      mbPerS: hashBytes / 1e6 / (hashMs / 1000),
      cores: median(hashRuns.map((r) => r.cpuS / (r.ms / 1000))),
      catMs: med(catRuns),
      catMbPerS: hashBytes / 1e6 / (med(catRuns) / 1000),
    },
    upload: {
      fullMedianMs: medianFull,
      fullMbPerS: hashBytes / 1e6 / (medianFull / 1000),
      fullRssKiB: maxRss(fullRuns.map((r) => r.run)),
      fullCpuS: median(fullRuns.map((r) => r.run.cpuS ?? 0)),
      serverCpuS: median(fullRuns.map((r) => r.serverCpuS)),
      requests: fullRuns[0]!.requests,
      tarMs: med(tarRuns),
      tarMbPerS: hashBytes / 1e6 / (med(tarRuns) / 1000),
      fullBytesSent: fullRuns[0]!.bytesSent,
      metadataBytesSent: metadata.bytesSent,
      metadataMs: metadata.run.wallMs,
      metadataRssKiB: metadata.run.rssKiB ?? 0,
      stages: uploadStages,
    },
  };
}

async function machineInfo() {
  const cpuinfo = await readFile("/proc/cpuinfo", "utf8").catch(() => "");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? "unknown";
  const memGiB = os.totalmem() / 2 ** 30;
  const git = async (...args: string[]) => (await timed(["git", ...args], { cwd: REPO, keepStdout: true })).stdout.trim();
  return {
    nproc: os.availableParallelism(),
    cpu: model,
    memGiB: Math.round(memGiB * 10) / 10,
    kernel: os.release(),
    bun: Bun.version,
    commit: await git("rev-parse", "--short", "HEAD"),
    srcDirty: (await git("status", "--porcelain", "--", "src")).length > 0,
    date: new Date().toISOString(),
  };
}

// ---------------------------------------------------------------------------
const machine = await machineInfo();
log(`machine: ${machine.nproc} cores, ${machine.cpu}, Bun ${machine.bun}; binary ${binary}`);

log("start-up: --version × 20 ...");
const versionRuns = await sample(20, () => timed([binary, "--version"], { cwd: home, env: { PATH: process.env.PATH ?? "", HOME: home } }), 2);
const versionRss = await timed([binary, "--version"], { cwd: home, env: { PATH: process.env.PATH ?? "", HOME: home }, resources: true });
const startup = { medianMs: median(versionRuns.map((r) => r.wallMs)), samplesMs: versionRuns.map((r) => r.wallMs), rssKiB: versionRss.rssKiB ?? 0 };

const perScenario: ScenarioResult[] = [];
try {
  for (const name of scenarios) {
    const scenario = await ensureScenario(name, log);
    perScenario.push(await benchScenario(scenario));
  }
} finally {
  await rm(home, { recursive: true, force: true });
  await rm(tmp, { recursive: true, force: true });
}

const results: BenchResults = { machine, binary: path.relative(REPO, binary) || binary, quick: flags.quick, startup, scenarios: perScenario, targets: [] };
results.targets = evaluateTargets(results);
const table = renderTable(results);
process.stdout.write(`${table}\n`);

if (complete) {
  await writeFile(path.join(import.meta.dir, "results.json"), `${JSON.stringify({ ...results, table }, null, 2)}\n`);
  const mdPath = path.join(import.meta.dir, "RESULTS.md");
  const previous = await readFile(mdPath, "utf8").catch(() => "");
  await writeFile(mdPath, renderMarkdown(results, table, previous));
  log("wrote bench/results.json and bench/RESULTS.md");
} else {
  const out = path.join(REPO, ".bench");
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, "results-partial.json"), `${JSON.stringify({ ...results, table }, null, 2)}\n`);
  log("partial run: wrote .bench/results-partial.json (bench/RESULTS.md is only rewritten by a full run)");
}
