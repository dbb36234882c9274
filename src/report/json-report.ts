import type { CaseHash } from "../hash/hash-cases.ts";
import type { PlannedCase } from "../plan/sync-plan.ts";
import type { SyncOutcome } from "../sync/run-sync.ts";
import { resultCounts } from "./result-counts.ts";

export interface ReportContext {
  api: string;
  archiveRoot: string;
  pack: string;
  dryRun: boolean;
  exitCode: number;
}

/** The `--json` document: the plan and, for a real run, the results. Stable snake_case keys. */
export function jsonReport(outcome: SyncOutcome, context: ReportContext): unknown {
  const { plan, hashes, results } = outcome;
  const planned = (c: PlannedCase) => ({
    case_path: c.casePath,
    display_path: c.displayPath,
    case_identity: c.identity,
    execution_ids: c.uploadIds,
    processed_count: c.processedCount,
    rejected: c.rejected,
    ...hashFields(hashes.get(c.casePath)),
  });
  const counts = resultCounts(plan, results);
  return {
    machine: plan.machine,
    api: context.api,
    archive_root: context.archiveRoot,
    pack: context.pack,
    dry_run: context.dryRun,
    plan: {
      new: plan.new.map(planned),
      changed: plan.changed.map(planned),
      unchanged: plan.unchanged.map((c) => ({ case_path: c.casePath, display_path: c.displayPath, processed_count: c.processedCount })),
      rejected_only: plan.rejectedOnly.map(planned),
      deferred: plan.deferred.map(planned),
      unreadable: plan.unreadable,
    },
    results:
      results?.map((r) => ({
        case_path: r.casePath,
        status: r.status,
        ...(r.reason ? { reason: r.reason } : {}),
        requests: r.requests.map((q) => ({
          filename: q.filename,
          execution_ids: q.executionIds,
          bytes: q.bytes,
          attempts: q.attempts,
          created_count: q.created,
          duplicate_count: q.duplicates,
          errors: q.errors,
          ...(q.warning ? { warning: q.warning } : {}),
          ...(q.failure ? { failure: q.failure } : {}),
        })),
      })) ?? null,
    summary: {
      to_upload: plan.new.length + plan.changed.length,
      unchanged: plan.unchanged.length,
      rejected_executions: [...plan.new, ...plan.changed, ...plan.rejectedOnly, ...plan.deferred].reduce((n, c) => n + c.rejected.length, 0),
      deferred: counts.deferred,
      uploaded: counts.uploaded,
      failed: counts.failed,
      not_attempted: counts.notAttempted,
      created_count: counts.created,
      duplicate_count: counts.duplicates,
    },
    exit_code: context.exitCode,
  };
}

function hashFields(hash: CaseHash | undefined) {
  if (!hash) return {};
  if (!hash.ok) return { hash_error: hash.error };
  return { digest: hash.digest, bytes: hash.bytes, files: hash.files, skipped: hash.skipped };
}
