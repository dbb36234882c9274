import path from "node:path";
import type { PlannedCase } from "../plan/sync-plan.ts";
import type { ExecutionCheck } from "../scan/validate-execution.ts";
import { readWholeExecution, type ExecutionContent } from "./execution-content.ts";
import { hexDigest, newHasher } from "./xxh64.ts";

export type PackMode = "metadata" | "full";

export type CaseHash =
  | { casePath: string; ok: true; digest: string; bytes: number; files: number; skipped: Array<{ path: string; reason: string }> }
  | { casePath: string; ok: false; error: string; /** errno, e.g. ENOENT when a file vanished */ code: string | undefined };

/** The case digest: the case directory entry, then each new execution's ID and content digest, in order. */
export function caseDigest(caseName: string, executions: Array<{ id: string; content: ExecutionContent }>): string {
  const hasher = newHasher();
  hasher.update(`dir\0${caseName}\0`);
  for (const { id, content } of executions) hasher.update(`execution\0${id}\0${content.digest}\0`);
  return hexDigest(hasher);
}

/** Sums per-execution contents into the figures the plan view and the report show. */
export function summarize(planned: PlannedCase, executions: Array<{ id: string; content: ExecutionContent }>): CaseHash {
  const caseName = path.basename(planned.casePath);
  return {
    casePath: planned.casePath,
    ok: true,
    digest: caseDigest(caseName, executions),
    bytes: executions.reduce((n, e) => n + e.content.bytes, 0),
    files: executions.reduce((n, e) => n + e.content.fileCount, 0),
    skipped: executions.flatMap(({ id, content }) => content.skipped.map((s) => ({ path: `${caseName}/${id}/${s.relativePath}`, reason: s.reason }))),
  };
}

/**
 * Digests each case to upload. With `--pack metadata` the validation stage
 * already read and digested every file that will be packed, so this reads
 * nothing; with `--pack full` it reads the whole execution directories.
 */
export function hashCases(cases: PlannedCase[], checks: ReadonlyMap<string, ExecutionCheck>, mode: PackMode, onHashed?: (hash: CaseHash) => void): Map<string, CaseHash> {
  const hashes = new Map<string, CaseHash>();
  for (const planned of cases) {
    let hash: CaseHash;
    try {
      const executions = planned.uploadIds.map((id) => ({
        id,
        content: mode === "metadata" ? contentOf(checks.get(path.join(planned.walkedPath, id))) : readWholeExecution(path.join(planned.casePath, id), false),
      }));
      hash = summarize(planned, executions);
    } catch (error) {
      const err = error as NodeJS.ErrnoException;
      hash = { casePath: planned.casePath, ok: false, error: `cannot read ${err.path ?? "the case"} (${err.code ?? err.message})`, code: err.code };
    }
    onHashed?.(hash);
    hashes.set(planned.casePath, hash);
  }
  return hashes;
}

function contentOf(check: ExecutionCheck | undefined): ExecutionContent {
  if (check?.status !== "valid") throw new Error("an execution planned for upload has no valid check");
  return check;
}
