import { ExitCode } from "../exit-codes.ts";
import type { SyncOutcome } from "../sync/run-sync.ts";

/**
 * 1 when any case failed or was not attempted, or SimBoard accepted an
 * archive but could not ingest an execution in it (its ID is recorded as
 * processed, so nobody would look again). Deferred cases are next run's
 * work, not failures.
 */
export function exitCodeFor(outcome: SyncOutcome): number {
  const results = outcome.results ?? [];
  const failed = results.some((r) => r.status === "failed" || r.status === "not-attempted");
  const notIngested = results.some((r) => r.requests.some((q) => q.errors.length > 0));
  return failed || notIngested ? ExitCode.CaseFailed : ExitCode.Success;
}
