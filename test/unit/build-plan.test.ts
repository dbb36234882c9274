import { describe, expect, test } from "bun:test";
import type { IngestionState } from "../../src/api/ingestion-state.ts";
import { buildPlan } from "../../src/plan/build-plan.ts";
import { allPendingExecutions, indexProcessed } from "../../src/plan/processed-index.ts";
import type { ArchiveScan, CaseScan } from "../../src/scan/archive-scan.ts";
import type { ExecutionCheck } from "../../src/scan/validate-execution.ts";

const ROOT = "/data/performance_archive";

function scanned(user: string, name: string, ids: string[]): CaseScan {
  const casePath = `${ROOT}/${user}/${name}`;
  return { casePath, walkedPath: casePath, displayPath: `${user}/${name}`, identity: `${user}/${name}`, executions: ids.map((id) => ({ id, path: `${casePath}/${id}` })) };
}

function state(cases: Record<string, string[]>): IngestionState {
  return {
    machine_name: "chrysalis",
    cases: Object.fromEntries(Object.entries(cases).map(([k, ids]) => [k, { processed_execution_ids: ids, fingerprint: "x" }])),
    discovery_results: {},
  };
}

/** Every pending execution valid, except those listed. */
function checksFor(scan: ArchiveScan, st: IngestionState, bad: Record<string, ExecutionCheck["status"]> = {}): Map<string, ExecutionCheck> {
  const pending = allPendingExecutions(scan, indexProcessed(st, scan.root));
  return new Map(
    pending.map((e) => {
      const status = bad[e.id];
      const check: ExecutionCheck = status && status !== "valid" ? { id: e.id, status, reason: `${status} reason` } : { id: e.id, status: "valid", digest: "0", bytes: 0, compressedBytes: 0, fileCount: 0, skipped: [], entries: undefined };
      return [e.path, check];
    }),
  );
}

function plan(scan: ArchiveScan, st: IngestionState, bad: Record<string, ExecutionCheck["status"]> = {}, maxCases?: number) {
  return buildPlan(scan, indexProcessed(st, scan.root), checksFor(scan, st, bad), { machine: "chrysalis", maxCases });
}

const names = (cases: { displayPath: string }[]) => cases.map((c) => c.displayPath);

describe("buildPlan", () => {
  const scan: ArchiveScan = {
    root: ROOT,
    unreadable: [{ path: "ac.locked", reason: "cannot be read (EACCES)" }],
    cases: [
      scanned("ac.a", "brandnew", ["1.1-1", "2.2-2"]),
      scanned("ac.a", "grown", ["1.1-1", "3.3-3"]),
      scanned("ac.b", "same", ["5.5-5"]),
      scanned("ac.b", "broken", ["6.6-6", "7.7-7"]),
      scanned("ac.c", "mixed", ["8.8-8", "9.9-9"]),
    ],
  };
  // Keys as NERSC path ingestion and upstream's runner wrote them: other mounts, same identity.
  const st = state({
    "/global/cfs/cdirs/e3sm/performance_archive/ac.a/grown": ["1.1-1"],
    "/performance_archive/ac.b/same": [" 5.5-5 ", ""],
    "/elsewhere/performance_archive/ac.b/broken": ["6.6-6"],
  });

  test("sorts every case into exactly one bucket", () => {
    const result = plan(scan, st, { "7.7-7": "incomplete", "9.9-9": "invalid" });
    expect(result.new.map((c) => [c.displayPath, c.uploadIds])).toEqual([
      ["ac.a/brandnew", ["1.1-1", "2.2-2"]],
      ["ac.c/mixed", ["8.8-8"]],
    ]);
    expect(result.changed.map((c) => [c.displayPath, c.uploadIds, c.processedCount])).toEqual([["ac.a/grown", ["3.3-3"], 1]]);
    expect(names(result.unchanged)).toEqual(["ac.b/same"]);
    expect(result.rejectedOnly.map((c) => [c.displayPath, c.rejected])).toEqual([
      ["ac.b/broken", [{ id: "7.7-7", status: "incomplete", reason: "incomplete reason" }]],
    ]);
    expect(result.new[1]!.rejected).toEqual([{ id: "9.9-9", status: "invalid", reason: "invalid reason" }]);
    expect(result.deferred).toEqual([]);
    expect(result.unreadable).toEqual([{ path: "ac.locked", reason: "cannot be read (EACCES)" }]);
    const total = result.new.length + result.changed.length + result.unchanged.length + result.rejectedOnly.length + result.deferred.length;
    expect(total).toBe(scan.cases.length);
  });

  test("defers uploads over maxCases in case-path order", () => {
    const result = plan(scan, st, {}, 1);
    expect(names(result.new)).toEqual(["ac.a/brandnew"]);
    expect(names(result.changed)).toEqual([]);
    expect(names(result.deferred)).toEqual(["ac.a/grown", "ac.b/broken", "ac.c/mixed"]);
  });

  test("an execution without a check is never sent", () => {
    const result = buildPlan(scan, indexProcessed(st, ROOT), new Map(), { machine: "chrysalis", maxCases: undefined });
    expect(result.new).toEqual([]);
    expect(result.changed).toEqual([]);
    expect(result.rejectedOnly.every((c) => c.rejected.every((r) => r.status === "unreadable"))).toBe(true);
  });

  test("is deterministic and pure: same inputs, equal plans", () => {
    expect(plan(scan, st)).toEqual(plan(scan, st));
  });
});
