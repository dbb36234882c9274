import pLimit from "p-limit";
import type { ExecutionDir } from "../scan/archive-scan.ts";
import { validateExecution, type ExecutionCheck } from "../scan/validate-execution.ts";

/** Directory reads overlap well even on two cores; this bounds open files. */
const VALIDATION_CONCURRENCY = 16;

/** Validates the pending executions only: already-processed ones are never re-read. */
export async function validateExecutions(executions: ExecutionDir[]): Promise<Map<string, ExecutionCheck>> {
  const limit = pLimit(VALIDATION_CONCURRENCY);
  const checks = await Promise.all(executions.map((execution) => limit(async () => [execution.path, await validateExecution(execution)] as const)));
  return new Map(checks);
}
