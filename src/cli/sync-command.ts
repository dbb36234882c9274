import { availableParallelism } from "node:os";
import { openCheckPool } from "../parallel/check-pool.ts";
import { lockKey } from "../lock/lock-key.ts";
import { acquireRunLock, pidIsAlive, type AcquiredLock } from "../lock/run-lock.ts";
import { ARCHIVE_LIMIT } from "../pack/upload-limit.ts";
import { exitCodeFor } from "../report/exit-code.ts";
import { jsonReport } from "../report/json-report.ts";
import { renderPlan } from "../report/render-plan.ts";
import { renderResults } from "../report/render-results.ts";
import { resultCounts } from "../report/result-counts.ts";
import { DEFAULT_RETRY } from "../retry/retry-policy.ts";
import { runSync, type SyncOutcome } from "../sync/run-sync.ts";
import { defaultStateDir } from "./default-state-dir.ts";
import type { CliIo } from "./io.ts";
import { prepareRun, type PreparedRun } from "./prepare-run.ts";
import { runControl } from "./run-control.ts";
import { sleepFor, stagingDirMaker } from "./runtime-deps.ts";
import type { CommonFlags } from "./settings-from-flags.ts";

/** Gzip level 6: zlib's default balance; logs already gzip-compressed pass through either way. */
const GZIP_LEVEL = 6;

/** `simboard-upload sync`: returns the exit code; printing happens here, never in the core. */
export async function syncCommand(flags: CommonFlags, io: CliIo): Promise<number> {
  const run = await prepareRun(flags, io, { archiveRoot: true });
  const { config } = run;
  let lock: AcquiredLock | undefined;
  const control = runControl(io.signal, config.maxDuration);
  const checks = openCheckPool(Math.min(config.hashConcurrency, availableParallelism()));
  try {
    // A dry run changes nothing, so an operator may audit while cron uploads.
    lock = config.dryRun
      ? undefined
      : acquireRunLock(
          config.stateDir ?? defaultStateDir(io.env, io.home),
          lockKey(run.api.root, config.machine, config.archiveRoot),
          config.lockStaleAfter * 1000,
          { host: io.host, pid: io.pid, now: Date.now, isAlive: pidIsAlive },
        );
    if (lock) io.cleanups.add(lock.release);
    if (lock?.tookOver) io.stderr(`simboard-upload: warning: took over a stale lock (${lock.tookOver})\n`);
    const outcome = await runSync(
      {
        machine: config.machine,
        archiveRoot: config.archiveRoot,
        dryRun: config.dryRun,
        maxCases: config.maxCases,
        pack: config.pack,
        concurrency: config.concurrency,
        hpcUsername: config.hpcUsername,
        retry: { ...DEFAULT_RETRY, maxAttempts: config.maxAttempts, maxRetryAfterMs: config.maxRetryAfter * 1000 },
        gzipLevel: GZIP_LEVEL,
        archiveLimitBytes: ARCHIVE_LIMIT,
      },
      {
        api: run.api,
        reporter: run.reporter,
        checks,
        sleep: sleepFor(io.env),
        random: Math.random,
        makeStagingDir: stagingDirMaker(io.env, io.cleanups),
        stopSignal: control.stopSignal,
        abortSignal: control.abortSignal,
      },
    );
    const exitCode = io.interruptCode() ?? exitCodeFor(outcome);
    report(run, outcome, exitCode);
    return exitCode;
  } finally {
    checks.close();
    control.dispose();
    lock?.release();
    if (lock) io.cleanups.delete(lock.release);
    run.close();
  }
}

function report(run: PreparedRun, outcome: SyncOutcome, exitCode: number): void {
  const { config } = run;
  const counts = resultCounts(outcome.plan, outcome.results);
  run.reporter.emit({ event: "run_finished", exit_code: exitCode, uploaded: counts.uploaded, failed: counts.failed, deferred: counts.deferred, not_attempted: counts.notAttempted });
  run.close();
  if (config.json) {
    const document = jsonReport(outcome, { api: run.api.root, archiveRoot: config.archiveRoot, pack: config.pack, dryRun: config.dryRun, exitCode });
    run.write(`${JSON.stringify(document, null, 2)}\n`);
    return;
  }
  const mode = config.dryRun ? "dry run, nothing will be uploaded" : "uploading";
  const header = `SimBoard sync plan for ${outcome.plan.machine} at ${run.api.root} (${mode}; pack ${config.pack})`;
  let text = renderPlan(outcome.plan, outcome.hashes, { verbose: config.verbose, maxCases: config.maxCases, header });
  if (outcome.results) text += `\n${renderResults(outcome.plan, outcome.results)}`;
  run.write(`${text}\n`);
}
