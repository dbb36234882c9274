import path from "node:path";
import { ReplyError } from "../errors/reply-error.ts";
import { HttpError } from "../errors/http-error.ts";
import { SimboardError } from "../errors/simboard-error.ts";
import type { CaseHash } from "../hash/hash-cases.ts";
import { archiveFilename } from "../pack/archive-name.ts";
import { listCase } from "../pack/case-members.ts";
import { StagingError, type StagedArchive } from "../pack/gzip-sink.ts";
import { discard, packBatches } from "../pack/pack-batches.ts";
import type { PlannedCase } from "../plan/sync-plan.ts";
import { withRetry } from "../retry/retry-policy.ts";
import type { CaseResult, RequestResult } from "../sync/case-result.ts";
import type { SyncDeps, SyncOptions } from "../sync/stage-context.ts";
import { runStoppingReason } from "./run-stopping-failure.ts";

export interface UploadContext {
  options: SyncOptions;
  deps: SyncDeps;
  stagingDir: string;
  /** Set once a failure makes further uploads pointless; read before each request. */
  halt: { reason?: string };
}

/**
 * Uploads one case: packs its new executions into one or more archives
 * under the size limit, checking while packing that they are what was planned, and sends them one after another,
 * each carrying only its own IDs. A failed request ends the case; the IDs of
 * requests already accepted are recorded server-side, so the next run sends
 * only the rest.
 */
export async function uploadCase(planned: PlannedCase, plannedHash: CaseHash, ctx: UploadContext, slot: number): Promise<CaseResult> {
  try {
    return await uploadOneCase(planned, plannedHash, ctx, slot);
  } catch (error) {
    // Whatever went wrong stays with this case: the other uploads and the report go on.
    const err = error as NodeJS.ErrnoException;
    const reason = `${err.path ? `${err.path}: ` : ""}${err.code ?? err.message}`;
    try {
      return fail(ctx, planned.casePath, reason, []);
    } catch {
      // The reporter itself may be what failed (a closed log pipe).
      return { casePath: planned.casePath, status: "failed", reason, requests: [] };
    }
  }
}

async function uploadOneCase(planned: PlannedCase, plannedHash: CaseHash, ctx: UploadContext, slot: number): Promise<CaseResult> {
  const { deps, options } = ctx;
  const casePath = planned.casePath;
  const stopped = stopReason(ctx);
  if (stopped) return { casePath, status: "not-attempted", reason: stopped, requests: [] };
  if (!plannedHash.ok) return fail(ctx, casePath, plannedHash.error, []);

  const requests: RequestResult[] = [];
  const oversize: string[] = [];
  const filename = archiveFilename(casePath);
  try {
    // A job may still be writing: packing compares what it packs with the plan.
    const members = listCase(planned, options.pack);
    if ("changed" in members) return defer(ctx, casePath);
    // One staging file name per case (the run's staging directory is removed at its end).
    const stagingFile = path.join(ctx.stagingDir, `${slot}-${filename}`);
    const batches = packBatches(members, plannedHash.executions, { stagingFile, limitBytes: options.archiveLimitBytes, gzipLevel: options.gzipLevel });
    for await (const batch of batches) {
      if (batch.kind === "changed") {
        if (requests.length === 0) return defer(ctx, casePath);
        return fail(ctx, casePath, "the case changed while it was being uploaded; the next run sends the rest", requests);
      }
      if (batch.kind === "oversize") {
        deps.reporter.emit({ event: "execution_oversize", case_path: casePath, execution_id: batch.executionId, bytes: batch.bytes });
        oversize.push(`${batch.executionId} packs to ${mib(batch.bytes)}, over SimBoard's 50 MiB limit${options.pack === "full" ? " (try --pack metadata)" : ""}`);
        continue;
      }
      const { archive } = batch;
      // A staged archive passed through memory in buffers the collector sees
      // late (gzip output here, the request body below): collecting after
      // packing and after sending keeps the peak from growing by archives'
      // worth (scenario P: ~150 → ~130 MB, +4 % time).
      if (archive.path) Bun.gc(true);
      deps.reporter.emit({ event: "archive_created", case_path: casePath, filename, bytes: archive.bytes, compression: archive.compression, execution_ids: archive.executionIds });
      try {
        const stop = stopReason(ctx);
        if (stop) return requests.length ? fail(ctx, casePath, stop, requests) : { casePath, status: "not-attempted", reason: stop, requests };
        const result = await sendArchive(ctx, casePath, archive, filename, archive.executionIds, archive.bytes);
        requests.push(result);
        if (result.failure) return fail(ctx, casePath, result.failure, requests);
      } finally {
        await discard(archive);
        if (archive.path) Bun.gc(true);
      }
    }
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    // First: a staging failure may carry ENOENT too (a cleaner removed the
    // staging directory), and it is this run's failure, not a changing case.
    if (err instanceof StagingError) return fail(ctx, casePath, err.message, requests);
    // A file that vanished or changed size while packing: try again next run.
    if ((err.code === "ENOENT" || err.code === "ECHANGED") && requests.length === 0) return defer(ctx, casePath);
    return fail(ctx, casePath, `packing failed: ${err.path ? `${err.path}: ` : ""}${err.code ?? err.message}`, requests);
  }
  if (oversize.length > 0) return fail(ctx, casePath, oversize.join("; "), requests);
  const created = requests.reduce((n, r) => n + r.created, 0);
  const duplicates = requests.reduce((n, r) => n + r.duplicates, 0);
  const errors = requests.reduce((n, r) => n + r.errors.length, 0);
  deps.reporter.emit({ event: "case_ingested", case_path: casePath, execution_ids: planned.uploadIds, created, duplicates, errors });
  return { casePath, status: "uploaded", requests };
}

async function sendArchive(ctx: UploadContext, casePath: string, archive: StagedArchive, filename: string, executionIds: string[], bytes: number): Promise<RequestResult> {
  const { deps, options } = ctx;
  let attempts = 0;
  const base = { filename, executionIds, bytes, created: 0, duplicates: 0, errors: [] };
  try {
    const reply = await withRetry(
      async (attempt) => {
        attempts = attempt;
        deps.reporter.emit({ event: "case_upload_attempt", case_path: casePath, attempt, filename });
        try {
          return await deps.api.uploadCase({ machine: options.machine, casePath, executionIds, hpcUsername: options.hpcUsername, archive, filename, signal: deps.abortSignal });
        } catch (error) {
          throw conflictWithEarlierAttempt(error, attempt);
        }
      },
      options.retry,
      {
        ...deps,
        signal: deps.stopSignal,
        onFailure: ({ attempt, error, retryInMs }) =>
          deps.reporter.emit({ event: "case_ingestion_request_failed", case_path: casePath, attempt, error: error.message, ...(retryInMs === undefined ? {} : { retry_in_ms: retryInMs }) }),
      },
    );
    return { ...base, attempts, created: reply.createdCount, duplicates: reply.duplicateCount, errors: reply.errors };
  } catch (error) {
    if (error instanceof ReplyError && error.accepted) {
      return { ...base, attempts, warning: `${error.message}; the archive was accepted, its IDs are recorded` };
    }
    const stop = runStoppingReason(error, deps.api.root);
    if (stop) ctx.halt.reason ??= stop;
    const message = stop ?? (error instanceof SimboardError ? error.message : String(error));
    return { ...base, attempts, failure: attempts > 1 ? `${message} (after ${attempts} attempts)` : message };
  }
}

/** Why no new request may start: a failure every case would hit, a signal, or the deadline. */
function stopReason(ctx: UploadContext): string | undefined {
  const signal = ctx.deps.stopSignal;
  return ctx.halt.reason ?? (signal?.aborted ? String(signal.reason ?? "the run was stopped") : undefined);
}

function defer(ctx: UploadContext, casePath: string): CaseResult {
  ctx.deps.reporter.emit({ event: "case_deferred", case_path: casePath, reason: "changed-during-run" });
  return { casePath, status: "deferred", reason: "changed-during-run", requests: [] };
}

function fail(ctx: UploadContext, casePath: string, reason: string, requests: RequestResult[]): CaseResult {
  ctx.deps.reporter.emit({ event: "case_ingestion_failed", case_path: casePath, error: reason });
  return { casePath, status: "failed", reason, requests };
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/**
 * After an attempt whose outcome is unknown (a timeout, a 502), SimBoard may
 * still be writing that archive when the retry arrives, and two writes of
 * one case race into 409 "Constraint violation". That conflict is with
 * ourselves: worth another attempt, which then finds duplicates.
 */
function conflictWithEarlierAttempt(error: unknown, attempt: number): unknown {
  if (attempt > 1 && error instanceof HttpError && error.status === 409 && /constraint violation/i.test(error.detail)) {
    return new SimboardError(`${error.message} (racing an earlier attempt of this request)`, { retryable: true, cause: error });
  }
  return error;
}
