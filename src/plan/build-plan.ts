import type { ArchiveScan } from "../scan/archive-scan.ts";
import type { ExecutionCheck } from "../scan/validate-execution.ts";
import { pendingExecutions, type ProcessedIndex } from "./processed-index.ts";
import type { PlannedCase, RejectedExecution, SyncPlan } from "./sync-plan.ts";

export interface PlanOptions {
  machine: string;
  /** Upload at most this many cases; the rest are deferred. */
  maxCases: number | undefined;
}

/**
 * Sorts every scanned case into one bucket. Pure: no filesystem, network or
 * clock. `checks` holds the validation of each pending execution, keyed by
 * its path; an execution without a check is treated as unreadable.
 */
export function buildPlan(
  scan: ArchiveScan,
  processed: ProcessedIndex,
  checks: ReadonlyMap<string, ExecutionCheck>,
  options: PlanOptions,
): SyncPlan {
  const plan: SyncPlan = {
    machine: options.machine,
    new: [],
    changed: [],
    unchanged: [],
    rejectedOnly: [],
    deferred: [],
    unreadable: [...scan.unreadable],
  };
  let uploads = 0;
  for (const scanned of scan.cases) {
    const pending = pendingExecutions(scanned, processed);
    const uploadIds: string[] = [];
    const rejected: RejectedExecution[] = [];
    for (const execution of pending) {
      const check = checks.get(execution.path);
      if (check?.status === "valid") uploadIds.push(execution.id);
      else rejected.push(check ? { id: execution.id, status: check.status, reason: check.reason } : { id: execution.id, status: "unreadable", reason: "not checked" });
    }
    const planned: PlannedCase = {
      casePath: scanned.casePath,
      walkedPath: scanned.walkedPath,
      displayPath: scanned.displayPath,
      identity: scanned.identity,
      uploadIds,
      processedCount: scanned.executions.length - pending.length,
      rejected,
    };
    if (uploadIds.length === 0) {
      (rejected.length === 0 ? plan.unchanged : plan.rejectedOnly).push(planned);
    } else if (options.maxCases !== undefined && uploads >= options.maxCases) {
      plan.deferred.push(planned);
    } else {
      uploads++;
      (processed.has(scanned.identity) ? plan.changed : plan.new).push(planned);
    }
  }
  return plan;
}
