import type { ExecutionDir } from "../scan/archive-scan.ts";
import { validateExecution, type ExecutionCheck } from "../scan/validate-execution.ts";

/**
 * Validates the pending executions only: already-processed ones are never
 * re-read. Checks keep digests and counts, not file lists, so memory stays
 * flat however many executions are pending.
 */
export function validateExecutions(executions: ExecutionDir[], ownerFallback: boolean): Map<string, ExecutionCheck> {
  return new Map(executions.map((execution) => [execution.path, validateExecution(execution, { keepEntries: false, ownerFallback })]));
}
