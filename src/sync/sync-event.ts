/**
 * What the core tells the outside world. Core code never prints: reporters
 * turn these into a spinner, an event log or a test's memory. Names follow
 * upstream's runner where the meaning is the same.
 */
export type SyncEvent =
  | { event: "run_started"; machine: string; archive_root: string; api: string; dry_run: boolean; pack: string }
  | { event: "state_fetched"; machine: string; cases: number }
  | { event: "state_fetch_failed"; error: string }
  | { event: "scan_completed"; cases: number; executions: number; unreadable: number }
  | { event: "executions_validated"; checked: number; rejected: number; /** Threads that took part (workers start only for larger jobs). */ threads: number }
  | { event: "case_hashed"; case_path: string; digest?: string; bytes?: number; error?: string }
  | { event: "case_deferred"; case_path: string; reason: string }
  | { event: "archive_created"; case_path: string; filename: string; bytes: number; compression: string; execution_ids: string[] }
  | { event: "execution_oversize"; case_path: string; execution_id: string; bytes: number }
  | { event: "case_upload_attempt"; case_path: string; attempt: number; filename: string }
  | { event: "case_ingestion_request_failed"; case_path: string; attempt: number; error: string; retry_in_ms?: number }
  | { event: "case_ingested"; case_path: string; execution_ids: string[]; created: number; duplicates: number; errors: number }
  | { event: "case_ingestion_failed"; case_path: string; error: string }
  | { event: "run_finished"; exit_code: number; uploaded: number; failed: number; deferred: number; not_attempted: number };

export interface Reporter {
  emit(event: SyncEvent): void;
}
