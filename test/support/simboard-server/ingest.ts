/**
 * SimBoard's ingest step for one extracted archive: find execution
 * directories, skip incomplete and invalid ones silently, turn missing or
 * unknown metadata into per-execution errors, and count executions a case
 * already holds as duplicates. Nothing is stored here; the caller commits.
 */
import { type ArchiveTree, EXTRACTION_ROOT } from "./archive-tree.ts";
import { resolveMachine } from "./machines.ts";
import { type ParsedExecution, readExecution } from "./metadata.ts";
import { ReplyError, detail, pydanticMessage } from "./replies.ts";
import type { Store, StoredCase } from "./store.ts";

export interface IngestError {
  execution_dir: string;
  error_type: string;
  error: string;
}

export interface IngestResult {
  created: { case: StoredCase; executionId: string }[];
  duplicateCount: number;
  /** executions skipped silently, with why (not part of SimBoard's reply) */
  skipped: { executionDir: string; outcome: "incomplete" | "invalid"; reason: string }[];
  errors: IngestError[];
}

const EXECUTION_DIR = /^\d+\.\d+-\d+$/;

class ExecutionError extends Error {
  constructor(
    readonly type: "ValueError" | "LookupError" | "ValidationError",
    message: string,
  ) {
    super(message);
  }
}

export function ingestTree(tree: ArchiveTree, store: Store, hpcUsername: string | undefined): IngestResult {
  const execDirs = [...tree.dirs].filter((d) => d !== "" && EXECUTION_DIR.test(d.slice(d.lastIndexOf("/") + 1))).sort();
  if (execDirs.length === 0) {
    throw new ReplyError(
      detail(
        500,
        `No cases or execution directories found under '${EXTRACTION_ROOT}'. Expected to find at least one case directory containing execution directories matching pattern: <digits>.<digits>-<digits>`,
      ),
    );
  }
  const result: IngestResult = { created: [], duplicateCount: 0, skipped: [], errors: [] };
  const pendingCases = new Map<string, StoredCase>();
  const pendingIds = new Set<string>();
  for (const dir of execDirs) {
    const reading = readExecution(tree, dir);
    if (reading.outcome !== "parsed") {
      result.skipped.push({ executionDir: dir, outcome: reading.outcome, reason: reading.reason });
      continue;
    }
    try {
      const exec = reading.execution;
      const identity = caseIdentity(exec, hpcUsername);
      const key = JSON.stringify(identity);
      const existing = store.findCase(...identity) ?? pendingCases.get(key);
      if (existing && (existing.executionIds.has(exec.executionId) || pendingIds.has(`${existing.id}/${exec.executionId}`))) {
        result.duplicateCount += 1;
        continue;
      }
      prevalidate(exec);
      const target = existing ?? store.newCase(...identity);
      pendingCases.set(key, target);
      pendingIds.add(`${target.id}/${exec.executionId}`);
      result.created.push({ case: target, executionId: exec.executionId });
    } catch (err) {
      if (!(err instanceof ExecutionError)) throw err;
      result.errors.push({ execution_dir: `${EXTRACTION_ROOT}/${dir}`, error_type: err.type, error: err.message });
    }
  }
  return result;
}

function caseIdentity(exec: ParsedExecution, requestUser: string | undefined): [string, string, string] {
  const dir = `${EXTRACTION_ROOT}/${exec.executionDir}`;
  if (!exec.caseName) {
    throw new ExecutionError("ValueError", `case_name is required but missing from '${dir}'. Cannot determine Case identity.`);
  }
  if (!exec.machine) throw new ExecutionError("ValueError", "Machine name is required but not found in metadata");
  const machine = resolveMachine(exec.machine);
  if (!machine) {
    throw new ExecutionError("LookupError", `Machine '${exec.machine}' not found in database. Please ensure the machine exists before uploading.`);
  }
  const user = exec.realUser?.trim() || requestUser?.trim();
  if (!user) {
    throw new ExecutionError("ValueError", `hpc_username is required but missing from '${dir}'. Provide it in parsed metadata or request payload.`);
  }
  return [exec.caseName, machine, user];
}

/** The fields SimBoard validates with pydantic before creating anything. */
function prevalidate(exec: ParsedExecution): void {
  const strings: (keyof ParsedExecution)[] = ["compset", "compsetAlias", "gridName", "gridResolution", "runType"];
  for (const field of strings) {
    if (exec[field] === undefined) {
      throw new ExecutionError("ValidationError", pydanticMessage("str", "string_type", "Input should be a valid string", null));
    }
  }
  const date = exec.simulationStartDate;
  if (!date || !/^\d{4}-\d{2}-\d{2}/.test(date)) {
    throw new ExecutionError("ValidationError", pydanticMessage("date", "date_type", "Input should be a valid date", null));
  }
  const url = exec.gitRepositoryUrl;
  if (url !== undefined && !isHttpUrl(url.startsWith("git@") ? `https://${url.slice(4).replace(":", "/")}` : url)) {
    throw new ExecutionError("ValidationError", pydanticMessage("url", "url_parsing", "Input should be a valid URL", url));
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const u = new URL(text);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {
    return false;
  }
}
