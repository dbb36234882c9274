import path from "node:path";
import { readWholeExecution, type ExecutionContent } from "../hash/execution-content.ts";
import { summarize, type CaseHash, type PackMode } from "../hash/hash-cases.ts";
import type { PlannedCase } from "../plan/sync-plan.ts";
import { validateExecution } from "../scan/validate-execution.ts";

export interface ManifestEntry {
  /** Member name inside the archive: `<case>/<execution>/...`. */
  archivePath: string;
  absolutePath: string;
  type: "dir" | "file";
  size: number;
  /** The execution this entry belongs to; undefined for the case directory itself. */
  executionId: string | undefined;
}

/** Exactly what will be packed for a case, in archive order. */
export interface CaseManifest {
  casePath: string;
  caseName: string;
  entries: ManifestEntry[];
}

export type CaseInspection = (CaseHash & { ok: true; manifest: CaseManifest }) | (CaseHash & { ok: false });

/**
 * Reads a case again just before packing: the digest must still match the
 * plan's, and the manifest lists the members to pack. An execution that no
 * longer validates makes the case look changed (a job still writing).
 */
export function inspectCase(planned: PlannedCase, mode: PackMode, ownerFallback: boolean): CaseInspection {
  const caseName = path.basename(planned.casePath);
  try {
    const executions: Array<{ id: string; content: ExecutionContent }> = [];
    for (const id of planned.uploadIds) {
      const executionPath = path.join(planned.casePath, id);
      // Validated again in both modes: what changed since planning must still be ingestible.
      const check = validateExecution({ id, path: executionPath }, { keepEntries: mode === "metadata", ownerFallback });
      if (check.status !== "valid") return { casePath: planned.casePath, ok: false, error: `${id} changed: ${check.reason}`, code: "ENOENT" };
      executions.push({ id, content: mode === "full" ? readWholeExecution(executionPath, true) : check });
    }
    const entries: ManifestEntry[] = [{ archivePath: caseName, absolutePath: planned.casePath, type: "dir", size: 0, executionId: undefined }];
    for (const { id, content } of executions) {
      entries.push({ archivePath: `${caseName}/${id}`, absolutePath: path.join(planned.casePath, id), type: "dir", size: 0, executionId: id });
      for (const e of content.entries ?? []) {
        entries.push({ archivePath: `${caseName}/${id}/${e.relativePath}`, absolutePath: e.absolutePath, type: e.type, size: e.size, executionId: id });
      }
    }
    const summary = summarize(planned, executions);
    if (!summary.ok) return summary;
    return { ...summary, manifest: { casePath: planned.casePath, caseName, entries } };
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    return { casePath: planned.casePath, ok: false, error: `cannot read ${err.path ?? "the case"} (${err.code ?? err.message})`, code: err.code };
  }
}

/** Bytes of file content per execution, for splitting a case into requests. */
export function bytesByExecution(manifest: CaseManifest): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const entry of manifest.entries) {
    if (entry.executionId === undefined) continue;
    sizes.set(entry.executionId, (sizes.get(entry.executionId) ?? 0) + entry.size + 512);
  }
  return sizes;
}
