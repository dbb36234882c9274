/** One execution directory found under a case. */
export interface ExecutionDir {
  /** The directory name, which is the execution ID (CIME LID). */
  id: string;
  /** Absolute path as walked (below the configured root). */
  path: string;
}

/** A case directory: the parent of one or more execution directories. */
export interface CaseScan {
  /** Absolute, symlink-resolved case directory: the `case_path` SimBoard stores. */
  casePath: string;
  /** The case directory as walked below the configured root (execution paths start with it). */
  walkedPath: string;
  /** Path relative to the archive root, for display. */
  displayPath: string;
  /** Upstream's case identity, used to match state keys (see `case-identity.ts`). */
  identity: string;
  /** Sorted by ID. */
  executions: ExecutionDir[];
}

export interface ArchiveScan {
  root: string;
  /** Sorted by `casePath`. */
  cases: CaseScan[];
  /** Directories the walk could not use; skipped, reported, retried next run. */
  unreadable: SkippedDir[];
}

/** A directory left out of the scan, relative to the root, and why. */
export interface SkippedDir {
  path: string;
  reason: string;
}
