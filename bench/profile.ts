/**
 * Profiles one binary run against the local server, for the notes in
 * RESULTS.md:
 *
 *   bun bench/profile.ts --scenario S --state empty --tool cpu-prof [-- sync --dry-run]
 *   bun bench/profile.ts --scenario S --state full  --tool strace   [-- sync]
 *
 * cpu-prof runs src/main.ts under `bun --cpu-prof` (same code as the binary,
 * unminified names) and prints self time by function and by module; strace
 * runs the compiled binary under `strace -c -f` and prints system calls,
 * also per execution. --state full seeds SimBoard with every execution.
 */
import { realpathSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { DEFAULT_TOKEN, startSimboardServer } from "../test/support/simboard-server.ts";
import { timed } from "./measure.ts";
import { ensureScenario, SCENARIOS, scratchDir, type ScenarioName } from "./scenarios.ts";

const REPO = path.resolve(import.meta.dir, "..");
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    scenario: { type: "string", default: "S" },
    state: { type: "string", default: "empty" },
    tool: { type: "string", default: "cpu-prof" },
    binary: { type: "string", default: path.join(REPO, "dist/simboard-upload") },
    top: { type: "string", default: "25" },
  },
});
const name = values.scenario!.toUpperCase() as ScenarioName;
if (!SCENARIOS.includes(name)) throw new Error(`unknown scenario ${name}`);
const args = positionals.length > 0 ? positionals : ["sync", "--dry-run"];
const scenario = await ensureScenario(name, console.error);
const server = await startSimboardServer();
if (values.state === "full") {
  for (const c of scenario.cases) server.seedIngestion({ machine: "chrysalis", sourceType: "hpc_upload", casePath: realpathSync(c.path), processedExecutionIds: c.executionIds });
}
const home = await mkdtemp(path.join(os.tmpdir(), "sbu-prof-home-"));
const env = {
  PATH: process.env.PATH ?? "/usr/bin:/bin",
  HOME: home,
  TMPDIR: os.tmpdir(),
  SIMBOARD_API_TOKEN: DEFAULT_TOKEN,
  SIMBOARD_API_BASE_URL: server.url,
  MACHINE_NAME: "chrysalis",
  PERF_ARCHIVE_ROOT: scenario.root,
};
const out = path.join(scratchDir(), "profiles");
const slug = `${name}-${values.state}-${args.join("_").replace(/[^\w.-]+/g, "")}`;
await mkdir(out, { recursive: true });
const top = Number(values.top);

try {
  if (values.tool === "strace") {
    const file = path.join(out, `strace-${slug}.txt`);
    const run = await timed(["strace", "-c", "-f", "-o", file, values.binary!, ...args], { env, cwd: home });
    if (run.exitCode !== 0) throw new Error(run.stderr);
    const text = await readFile(file, "utf8");
    console.log(text);
    const rows = text.split("\n").filter((l) => /^\s*[\d.]+\s+[\d.]+\s+\d+\s+\d+/.test(l));
    console.log(`per execution (${scenario.executions}):`);
    for (const row of rows.slice(0, top)) {
      const cols = row.trim().split(/\s+/);
      const calls = Number(cols[3]);
      const syscall = cols.at(-1);
      console.log(`  ${syscall!.padEnd(20)} ${(calls / scenario.executions).toFixed(1)}`);
    }
    const total = text.split("\n").find((l) => l.includes("total"));
    if (total) console.log(`  ${"total".padEnd(20)} ${(Number(total.trim().split(/\s+/)[2]) / scenario.executions).toFixed(1)}`);
  } else {
    const dir = path.join(out, `cpuprof-${slug}`);
    await rm(dir, { recursive: true, force: true });
    const run = await timed([process.execPath, "--cpu-prof", `--cpu-prof-dir=${dir}`, path.join(REPO, "src/main.ts"), ...args], { env, cwd: home });
    if (run.exitCode !== 0) throw new Error(run.stderr);
    const file = (await readdir(dir)).find((f) => f.endsWith(".cpuprofile"))!;
    summarize(JSON.parse(await readFile(path.join(dir, file), "utf8")) as CpuProfile, top);
    console.log(`\nprofile: ${path.join(dir, file)} (wall ${(run.wallMs / 1000).toFixed(2)} s)`);
  }
} finally {
  await server.stop();
  await rm(home, { recursive: true, force: true });
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time by function and by module (src file or npm package), from the sampled stacks. */
function summarize(profile: CpuProfile, limit: number): void {
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  const moduleOf = (url: string) => {
    if (!url) return "(native/runtime)";
    const nm = url.lastIndexOf("node_modules/");
    if (nm !== -1) return url.slice(nm + 13).split("/").slice(0, url.slice(nm + 13).startsWith("@") ? 2 : 1).join("/");
    return path.relative(REPO, url.replace(/^file:\/\//, ""));
  };
  for (const node of profile.nodes) {
    const t = self.get(node.id) ?? 0;
    if (!t) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || "(anonymous)"} ${moduleOf(url)}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + t);
    byModule.set(moduleOf(url), (byModule.get(moduleOf(url)) ?? 0) + t);
  }
  const print = (title: string, map: Map<string, number>) => {
    console.log(`\n${title} (self time, of ${(total / 1e6).toFixed(2)} s sampled)`);
    for (const [key, t] of [...map].sort((a, b) => b[1] - a[1]).slice(0, limit)) {
      console.log(`  ${((t / total) * 100).toFixed(1).padStart(5)}%  ${(t / 1000).toFixed(0).padStart(6)} ms  ${key}`);
    }
  };
  print("by module", byModule);
  print("by function", byFunction);
}
