/** One request sent for a case: the IDs inside that archive and what SimBoard said. */
export interface RequestResult {
  filename: string;
  executionIds: string[];
  bytes: number;
  attempts: number;
  created: number;
  duplicates: number;
  /** Per-execution problems SimBoard reported in an accepted reply. */
  errors: Array<{ executionDir: string; errorType: string; message: string }>;
  /** Set when SimBoard accepted the archive but its reply could not be read. */
  warning?: string;
  failure?: string;
}

/** How a case ended in a real run. */
export interface CaseResult {
  casePath: string;
  status: "uploaded" | "failed" | "deferred" | "not-attempted";
  /** Why it failed, was deferred (`changed-during-run`) or not attempted. */
  reason?: string;
  requests: RequestResult[];
}
