import { compareText } from "../util/compare.ts";
import type { SkippedDir } from "../scan/archive-scan.ts";
import type { ExecutionCheck } from "../scan/validate-execution.ts";

/** An execution that will not be sent, and why (incomplete, invalid, unreadable). */
export interface RejectedExecution {
  id: string;
  status: Exclude<ExecutionCheck["status"], "valid">;
  reason: string;
}

export interface PlannedCase {
  casePath: string;
  /** The case directory as the scan walked it; validation results are keyed below it. */
  walkedPath: string;
  displayPath: string;
  identity: string;
  /** Valid executions SimBoard does not have yet, sorted. */
  uploadIds: string[];
  /** Local executions SimBoard already has. */
  processedCount: number;
  rejected: RejectedExecution[];
}

/**
 * The whole decision of a run, as a value. `--dry-run` renders it; a real run
 * renders the same value and then applies it. Every scanned case sits in
 * exactly one bucket; every list is sorted by case path.
 */
export interface SyncPlan {
  machine: string;
  /** Cases SimBoard has never seen. */
  new: PlannedCase[];
  /** Cases SimBoard knows, with executions it does not have yet. */
  changed: PlannedCase[];
  /** Nothing to send: every local execution is processed. */
  unchanged: PlannedCase[];
  /** Only not-yet-processed executions that cannot be sent. */
  rejectedOnly: PlannedCase[];
  /** Would be uploaded but exceed `maxCases`; next run takes them. */
  deferred: PlannedCase[];
  /** Directories the scan could not read. */
  unreadable: SkippedDir[];
}

/** The cases a real run uploads, in order. */
export function casesToUpload(plan: SyncPlan): PlannedCase[] {
  return [...plan.new, ...plan.changed].sort((a, b) => compareText(a.casePath, b.casePath));
}
