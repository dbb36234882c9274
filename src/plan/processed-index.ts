import type { IngestionState } from "../api/ingestion-state.ts";
import type { ArchiveScan, CaseScan, ExecutionDir } from "../scan/archive-scan.ts";
import { caseIdentity } from "./case-identity.ts";
import path from "node:path";

/** Processed execution IDs per case identity; several state keys may share one identity. */
export type ProcessedIndex = Map<string, Set<string>>;

export function indexProcessed(state: IngestionState, archiveRoot: string): ProcessedIndex {
  const rootBasename = path.basename(archiveRoot);
  const index: ProcessedIndex = new Map();
  for (const [casePath, entry] of Object.entries(state.cases)) {
    const identity = caseIdentity(casePath.trim(), rootBasename);
    const ids = index.get(identity) ?? new Set<string>();
    for (const id of entry.processed_execution_ids) {
      const trimmed = id.trim();
      if (trimmed) ids.add(trimmed);
    }
    index.set(identity, ids);
  }
  return index;
}

/** Executions of a case SimBoard has not processed: the only ones worth validating. */
export function pendingExecutions(scanned: CaseScan, processed: ProcessedIndex): ExecutionDir[] {
  const done = processed.get(scanned.identity);
  return done ? scanned.executions.filter((e) => !done.has(e.id)) : scanned.executions;
}

/** Every pending execution of the scan, for the validation stage. */
export function allPendingExecutions(scan: ArchiveScan, processed: ProcessedIndex): ExecutionDir[] {
  return scan.cases.flatMap((c) => pendingExecutions(c, processed));
}
