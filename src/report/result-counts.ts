import type { SyncPlan } from "../plan/sync-plan.ts";
import type { CaseResult } from "../sync/case-result.ts";

/** The outcome in numbers, shared by the text report, the `--json` summary and `run_finished`. */
export function resultCounts(plan: SyncPlan, results: CaseResult[] = []) {
  const requests = results.flatMap((r) => r.requests);
  const count = (status: string) => results.filter((r) => r.status === status).length;
  return {
    uploaded: count("uploaded"),
    failed: count("failed"),
    deferred: plan.deferred.length + count("deferred"),
    notAttempted: count("not-attempted"),
    created: requests.reduce((n, q) => n + q.created, 0),
    duplicates: requests.reduce((n, q) => n + q.duplicates, 0),
    executionErrors: requests.reduce((n, q) => n + q.errors.length, 0),
  };
}
