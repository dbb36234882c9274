import path from "node:path";
import { byPath, wholeExecutionMembers, type ContentEntry, type ExecutionContent } from "../hash/execution-content.ts";
import type { PackMode } from "../hash/hash-cases.ts";
import type { PlannedCase } from "../plan/sync-plan.ts";
import { metadataMembers } from "../scan/validate-execution.ts";

/** One execution's members in archive order, found by listing only. */
export interface ExecutionMembers {
  id: string;
  entries: Array<Omit<ContentEntry, "size">>;
  skipped: ExecutionContent["skipped"];
}

/** What will be packed for a case: `<case>/`, then each execution's members. */
export interface CaseMembers {
  casePath: string;
  caseName: string;
  executions: ExecutionMembers[];
}

/**
 * Lists a case's new executions just before packing, with the rules the
 * plan used; nothing is read here. Whether the content is still what was
 * planned is decided while packing, from the bytes actually packed. An
 * execution whose metadata no longer selects cleanly has changed.
 */
export function listCase(planned: PlannedCase, mode: PackMode): CaseMembers | { changed: string } {
  const executions: ExecutionMembers[] = [];
  for (const id of planned.uploadIds) {
    const executionPath = path.join(planned.casePath, id);
    if (mode === "full") {
      executions.push({ id, ...wholeExecutionMembers(executionPath) });
      continue;
    }
    const members = metadataMembers(executionPath);
    if (!members.ok) return { changed: `${id}: ${members.reason}` };
    executions.push({ id, entries: [...members.entries].sort(byPath), skipped: members.skipped });
  }
  return { casePath: planned.casePath, caseName: path.basename(planned.casePath), executions };
}
