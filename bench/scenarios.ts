/**
 * Benchmark archives, generated once with the fixture generator and cached
 * by scenario name outside the repository (L takes ~25 s and ~650k files).
 * A stamp file holds a digest of the generator's source and the specs, so a
 * changed generator or scenario regenerates instead of benchmarking a stale
 * tree.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { type CaseSpec, generateArchive, makeLid, scenarioCases } from "../fixtures/generate-archive.ts";

/**
 * Issue 5's S, M, L and P, plus two probes of its own:
 * - U: upstream's reference tree (1,000 cases × 5 executions, 20 KiB log
 *   each), so "5× faster than upstream on 5,000 executions" is measured, not
 *   interpolated;
 * - C: one case of 40 executions with 2 MiB incompressible logs (80 MiB, more
 *   than one 50 MiB request), which shows how memory moves with the largest
 *   case size rather than with the archive size.
 */
export const SCENARIOS = ["S", "U", "M", "L", "P", "C"] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

export interface Scenario {
  name: ScenarioName;
  /**
   * `<scratch>/<name>/performance_archive`: the binary matches state by the
   * path after the root's basename, so the root keeps upstream's name.
   */
  root: string;
  cases: { user: string; name: string; path: string; executionIds: string[] }[];
  executions: number;
}

/** Where generated trees live: $SIMBOARD_BENCH_DIR, else /work/scratch/bench when present, else $TMPDIR. */
export function scratchDir(): string {
  if (process.env.SIMBOARD_BENCH_DIR) return path.resolve(process.env.SIMBOARD_BENCH_DIR);
  if (existsSync("/work/scratch")) return "/work/scratch/bench";
  return path.join(os.tmpdir(), "simboard-upload-bench");
}

const GENERATOR = path.resolve(import.meta.dir, "../fixtures/generate-archive.ts");

/** Digest of the generator's source and the scenario's specs: either changing regenerates. */
function generatorKey(specs: CaseSpec[]): string {
  return createHash("sha256").update(readFileSync(GENERATOR)).update(JSON.stringify(specs)).digest("hex").slice(0, 16);
}

function casesOf(name: ScenarioName): CaseSpec[] {
  if (name === "U") {
    return Array.from({ length: 1_000 }, (_, c) => ({
      user: `ac.user${String(c % 50).padStart(3, "0")}`,
      name: `v3.LR.benchU_${String(c).padStart(4, "0")}`,
      executions: Array.from({ length: 5 }, (_, e) => ({ id: makeLid(c * 5 + e), logBytes: 20 * 1024 })),
    }));
  }
  if (name !== "C") return scenarioCases(name);
  const executions = Array.from({ length: 40 }, (_, e) => ({ id: makeLid(500_000 + e), logBytes: 2 * 1024 * 1024 }));
  return [{ user: "ac.user000", name: "v3.LR.benchC_0", executions }];
}

/** Returns the scenario's tree, generating it when missing or stale; `log` gets progress lines. */
export async function ensureScenario(name: ScenarioName, log: (line: string) => void): Promise<Scenario> {
  const base = path.join(scratchDir(), name);
  const root = path.join(base, "performance_archive");
  const stamp = path.join(base, "generated.stamp");
  const specs = casesOf(name);
  const key = generatorKey(specs);
  const current = await readFile(stamp, "utf8").catch(() => "");
  if (current.trim() !== key) {
    log(`generating scenario ${name} under ${base} ...`);
    const started = performance.now();
    await rm(base, { recursive: true, force: true });
    const staging = path.join(base, "staging", "performance_archive");
    await mkdir(path.dirname(staging), { recursive: true });
    await generateArchive(staging, specs);
    await rename(staging, root);
    await rm(path.join(base, "staging"), { recursive: true, force: true });
    await writeFile(stamp, `${key}\n`);
    log(`generated scenario ${name} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const cases = specs.map((spec) => ({
    user: spec.user,
    name: spec.name,
    path: path.join(root, spec.user, spec.name),
    executionIds: spec.executions.map((e) => e.id),
  }));
  return { name, root, cases, executions: cases.reduce((n, c) => n + c.executionIds.length, 0) };
}
