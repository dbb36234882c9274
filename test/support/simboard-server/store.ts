/**
 * SimBoard's database reduced to what ingestion touches: ingestion rows (the
 * source of /state), cases keyed by (name, machine, hpc_username), and which
 * execution IDs each case already holds (the source of duplicate_count).
 */
import { createHash, randomUUID } from "node:crypto";

export type SourceType = "hpc_path" | "hpc_upload" | "browser_upload";

export interface IngestionRow {
  machine: string;
  sourceType: SourceType;
  casePath: string;
  processedExecutionIds: string[];
}

export interface StoredCase {
  id: string;
  name: string;
  machine: string;
  hpcUsername: string;
  executionIds: Set<string>;
}

export interface StateCase {
  processed_execution_ids: string[];
  fingerprint: string;
}

export interface StateBody {
  machine_name: string;
  cases: Record<string, StateCase>;
  discovery_results?: Record<string, unknown[]>;
}

// /state unions these; browser uploads are never part of automated state.
const STATEFUL: readonly SourceType[] = ["hpc_path", "hpc_upload"];

export class Store {
  readonly rows: IngestionRow[] = [];
  private readonly cases = new Map<string, StoredCase>();

  findCase(name: string, machine: string, hpcUsername: string): StoredCase | undefined {
    return this.cases.get(caseKey(name, machine, hpcUsername));
  }

  /** Cases and executions of one request land together or not at all. */
  commit(row: IngestionRow, created: { case: StoredCase; executionId: string }[]): void {
    this.rows.push(row);
    for (const { case: c, executionId } of created) {
      const key = caseKey(c.name, c.machine, c.hpcUsername);
      const stored = this.cases.get(key) ?? this.cases.set(key, { ...c, executionIds: new Set() }).get(key)!;
      stored.executionIds.add(executionId);
    }
  }

  newCase(name: string, machine: string, hpcUsername: string): StoredCase {
    return { id: randomUUID(), name, machine, hpcUsername, executionIds: new Set() };
  }

  state(machine: string, withDiscoveryResults: boolean): StateBody {
    const byCase = new Map<string, Set<string>>();
    for (const row of this.rows) {
      if (row.machine !== machine || !STATEFUL.includes(row.sourceType) || !row.casePath) continue;
      const ids = byCase.get(row.casePath) ?? byCase.set(row.casePath, new Set()).get(row.casePath)!;
      for (const id of normalizeExecutionIds(row.processedExecutionIds)) ids.add(id);
    }
    const cases: Record<string, StateCase> = {};
    for (const casePath of [...byCase.keys()].sort(byCodePoint)) {
      const ids = [...byCase.get(casePath)!].sort(byCodePoint);
      cases[casePath] = { processed_execution_ids: ids, fingerprint: fingerprint(ids) };
    }
    return { machine_name: machine, cases, ...(withDiscoveryResults ? { discovery_results: {} } : {}) };
  }
}

/** Trimmed, blanks dropped, deduplicated, sorted by code point. */
export function normalizeExecutionIds(ids: readonly string[]): string[] {
  return [...new Set(ids.map((id) => id.trim()).filter((id) => id !== ""))].sort(byCodePoint);
}

/** sha256 over each sorted ID's UTF-8 bytes followed by "\n". */
export function fingerprint(sortedIds: readonly string[]): string {
  const hash = createHash("sha256");
  for (const id of sortedIds) hash.update(`${id}\n`, "utf8");
  return hash.digest("hex");
}

/** Python's default str ordering; JS `<` on strings compares UTF-16 units instead. */
export function byCodePoint(a: string, b: string): number {
  const ca = [...a];
  const cb = [...b];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const d = ca[i]!.codePointAt(0)! - cb[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return ca.length - cb.length;
}

const caseKey = (name: string, machine: string, user: string) => JSON.stringify([name, machine, user]);
