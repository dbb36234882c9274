import { rm } from "node:fs/promises";
import path from "node:path";
import pLimit from "p-limit";
import { hashCases, type CaseHash } from "../hash/hash-cases.ts";
import { loadHasher } from "../hash/xxh64.ts";
import { buildPlan } from "../plan/build-plan.ts";
import { allPendingExecutions, indexProcessed, type ProcessedIndex } from "../plan/processed-index.ts";
import { casesToUpload, type SyncPlan } from "../plan/sync-plan.ts";
import { scanArchive } from "../scan/scan-archive.ts";
import type { CaseResult } from "./case-result.ts";
import { fetchState } from "./fetch-state.ts";
import type { SyncDeps, SyncOptions } from "./stage-context.ts";
import { validateExecutions } from "./validate-executions.ts";

const COLLECT_EVERY = 500;
const COLLECT_YOUNG_EVERY = 100;

export interface SyncOutcome {
  plan: SyncPlan;
  hashes: Map<string, CaseHash>;
  /** Undefined for a dry run: nothing was applied. */
  results: CaseResult[] | undefined;
}

/**
 * State first: fetch what SimBoard has, scan, validate only what it lacks,
 * plan, hash; a dry run stops there, a real run applies the same plan.
 */
export async function runSync(options: SyncOptions, deps: SyncDeps): Promise<SyncOutcome> {
  deps.reporter.emit({ event: "run_started", machine: options.machine, archive_root: options.archiveRoot, api: deps.api.root, dry_run: options.dryRun, pack: options.pack });
  const { machine, processed } = await fetchProcessed(options, deps);

  const scan = await scanArchive(options.archiveRoot);
  deps.reporter.emit({ event: "scan_completed", cases: scan.cases.length, executions: scan.cases.reduce((n, c) => n + c.executions.length, 0), unreadable: scan.unreadable.length });

  const pending = allPendingExecutions(scan, processed);
  await loadHasher();
  const { checks, threads } = await validateExecutions(pending, options.hpcUsername !== undefined, deps.checks);
  deps.reporter.emit({ event: "executions_validated", checked: checks.size, rejected: [...checks.values()].filter((c) => c.status !== "valid").length, threads });

  const plan = buildPlan(scan, processed, checks, { machine, maxCases: options.maxCases });
  const uploads = casesToUpload(plan);
  const hashes = await hashCases(uploads, checks, options.pack, deps.checks, (hash) =>
    deps.reporter.emit(hash.ok ? { event: "case_hashed", case_path: hash.casePath, digest: hash.digest, bytes: hash.bytes } : { event: "case_hashed", case_path: hash.casePath, error: hash.error }),
  );
  // The workers' memory must not add to the uploads' buffers: let them go.
  deps.checks.close();
  if (options.dryRun) return { plan, hashes, results: undefined };

  // Packing and sending (node-tar, the multipart encoder) load only when
  // there is something to apply: ~8 ms less start-up for dry and no-op runs.
  const { uploadCase } = await import("../upload/upload-case.ts");

  const stagingDir = await deps.makeStagingDir();
  try {
    const limit = pLimit(options.concurrency);
    const halt: { reason?: string } = {};
    // SimBoard identifies a case by its name (and machine and owner), not its
    // path: two directories of one name uploading at once race into 409.
    const byName = new Map<string, Array<{ planned: (typeof uploads)[number]; slot: number }>>();
    uploads.forEach((planned, slot) => {
      const name = path.basename(planned.casePath);
      byName.set(name, [...(byName.get(name) ?? []), { planned, slot }]);
    });
    const settled = new Map<number, CaseResult>();
    await Promise.all(
      [...byName.values()].map((group) =>
        limit(async () => {
          for (const { planned, slot } of group) {
            settled.set(slot, await uploadCase(planned, hashes.get(planned.casePath)!, { options, deps, stagingDir, halt }, slot));
            // Each request leaves buffers the collector sees late; on 10,000
            // cases they added ~80 MB to the peak. A full collection every
            // 500 cases and a young one every 100 between them: L upload peak
            // 273–302 → 222–265 MB at the same time (a full one every 100:
            // 225 MB, but +15 % time).
            if (settled.size % COLLECT_EVERY === 0) Bun.gc(true);
            else if (settled.size % COLLECT_YOUNG_EVERY === 0) Bun.gc(false);
          }
        }),
      ),
    );
    return { plan, hashes, results: uploads.map((_, slot) => settled.get(slot)!) };
  } finally {
    await rm(stagingDir, { recursive: true, force: true });
  }
}

/**
 * The state reply is only needed as an index of processed IDs. Parsed and
 * validated, 10,000 cases hold ~20 MB of copies, so the reply is indexed and
 * let go here, before the walk, rather than kept for the whole run.
 */
async function fetchProcessed(options: SyncOptions, deps: SyncDeps): Promise<{ machine: string; processed: ProcessedIndex }> {
  const state = await fetchState(options, deps);
  deps.reporter.emit({ event: "state_fetched", machine: state.machine_name, cases: Object.keys(state.cases).length });
  return { machine: state.machine_name, processed: indexProcessed(state, path.resolve(options.archiveRoot)) };
}
