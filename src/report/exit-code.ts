import { ExitCode } from "../exit-codes.ts";
import type { SyncOutcome } from "../sync/run-sync.ts";

/** 1 when any case failed or was not attempted; deferred cases are next run's work, not failures. */
export function exitCodeFor(outcome: SyncOutcome): number {
  const results = outcome.results ?? [];
  return results.some((r) => r.status === "failed" || r.status === "not-attempted") ? ExitCode.CaseFailed : ExitCode.Success;
}
