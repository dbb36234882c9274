import path from "node:path";
import type { PlannedCase } from "../plan/sync-plan.ts";
import type { ExecutionCheck } from "../scan/validate-execution.ts";
import type { CheckPool } from "../parallel/check-pool.ts";
import type { ExecutionContent } from "./execution-content.ts";
import { hexDigest, newBufferedHasher } from "./xxh64.ts";

export type PackMode = "metadata" | "full";

export type CaseHash =
  | {
      casePath: string;
      ok: true;
      digest: string;
      bytes: number;
      files: number;
      skipped: Array<{ path: string; reason: string }>;
      /** Per new execution, in upload order: what packing must find again. */
      executions: PlannedExecution[];
    }
  | { casePath: string; ok: false; error: string; /** errno, e.g. ENOENT when a file vanished */ code: string | undefined };

export interface PlannedExecution {
  id: string;
  digest: string;
  /** Bytes of file content. */
  bytes: number;
  /** Of `bytes`, those already compressed: packing deflates by this. */
  compressedBytes: number;
}

/** The case digest: the case directory entry, then each new execution's ID and content digest, in order. */
export function caseDigest(caseName: string, executions: Array<{ id: string; content: ExecutionContent }>): string {
  const hasher = newBufferedHasher();
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
    executions: executions.map(({ id, content }) => ({ id, digest: content.digest, bytes: content.bytes, compressedBytes: content.compressedBytes })),
  };
}

/**
 * Digests each case to upload. With `--pack metadata` the validation stage
 * already read and digested every file that will be packed, so this reads
 * nothing; with `--pack full` the pool reads the whole execution directories,
 * on every thread it has.
 */
export async function hashCases(cases: PlannedCase[], checks: ReadonlyMap<string, ExecutionCheck>, mode: PackMode, pool: CheckPool, onHashed?: (hash: CaseHash) => void): Promise<Map<string, CaseHash>> {
  const whole = mode === "full" ? await readWholeExecutions(cases, pool) : undefined;
  const hashes = new Map<string, CaseHash>();
  for (const planned of cases) {
    let hash: CaseHash;
    try {
      const executions = planned.uploadIds.map((id) => ({ id, content: whole ? whole(planned, id) : contentOf(checks.get(path.join(planned.walkedPath, id))) }));
      hash = summarize(planned, executions);
    } catch (error) {
      const err = error as NodeJS.ErrnoException;
      hash = { casePath: planned.casePath, ok: false, error: err instanceof CaseReadError ? err.message : `cannot read the case (${err.message})`, code: err.code };
    }
    onHashed?.(hash);
    hashes.set(planned.casePath, hash);
  }
  return hashes;
}

class CaseReadError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

async function readWholeExecutions(cases: PlannedCase[], pool: CheckPool): Promise<(planned: PlannedCase, id: string) => ExecutionContent> {
  const items = cases.flatMap((planned) => planned.uploadIds.map((id) => path.join(planned.casePath, id)));
  const { results } = await pool.run({ kind: "read-whole", items });
  const byPath = new Map(items.map((item, i) => [item, results[i]!]));
  return (planned, id) => {
    const result = byPath.get(path.join(planned.casePath, id))!;
    if (!result.ok) throw new CaseReadError(result.error, result.code);
    return result.content;
  };
}

function contentOf(check: ExecutionCheck | undefined): ExecutionContent {
  if (check?.status !== "valid") throw new Error("an execution planned for upload has no valid check");
  return check;
}
