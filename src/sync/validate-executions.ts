import type { CheckPool } from "../parallel/check-pool.ts";
import type { ExecutionDir } from "../scan/archive-scan.ts";
import type { ExecutionCheck } from "../scan/validate-execution.ts";

/**
 * Validates the pending executions only: already-processed ones are never
 * re-read. Checks keep digests and counts, not file lists, so memory stays
 * flat however many executions are pending.
 */
export async function validateExecutions(executions: ExecutionDir[], ownerFallback: boolean, pool: CheckPool): Promise<{ checks: Map<string, ExecutionCheck>; threads: number }> {
  const { results, threads } = await pool.run({ kind: "validate", items: executions, ownerFallback });
  return { checks: new Map(executions.map((execution, i) => [execution.path, results[i]!])), threads };
}
