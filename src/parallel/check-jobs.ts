import { readWholeExecution, type ExecutionContent } from "../hash/execution-content.ts";
import type { ExecutionDir } from "../scan/archive-scan.ts";
import { validateExecution, type ExecutionCheck } from "../scan/validate-execution.ts";

/**
 * The read-heavy work a run spreads over threads. Items are independent and
 * results are plain data, so a job runs the same on the main thread or in a
 * worker, in any split.
 */
export type CheckJob = ValidateJob | ReadWholeJob;

/** Validate pending executions (planning keeps digests, not member lists). */
export interface ValidateJob {
  kind: "validate";
  items: ExecutionDir[];
  ownerFallback: boolean;
}

/** Digest whole execution directories (`--pack full`). */
export interface ReadWholeJob {
  kind: "read-whole";
  /** Execution directory paths. */
  items: string[];
}

export type ReadWholeResult = { ok: true; content: ExecutionContent } | { ok: false; error: string; code: string | undefined };

export type JobResult<J extends CheckJob> = J extends ValidateJob ? ExecutionCheck : ReadWholeResult;

export function runItem<J extends CheckJob>(job: J, index: number): JobResult<J> {
  if (job.kind === "validate") {
    return validateExecution(job.items[index]!, { keepEntries: false, ownerFallback: job.ownerFallback }) as JobResult<J>;
  }
  return readWhole(job.items[index]!) as JobResult<J>;
}

function readWhole(executionPath: string): ReadWholeResult {
  try {
    return { ok: true, content: readWholeExecution(executionPath, false) };
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    return { ok: false, error: `cannot read ${err.path ?? executionPath} (${err.code ?? err.message})`, code: err.code };
  }
}

/**
 * Claims batches from a counter shared by every thread until none are left,
 * so a thread that starts late or meets slow directories simply takes fewer.
 */
export function drainBatches<J extends CheckJob>(job: J, counter: Int32Array, batchSize: number, claimed: Array<[number, JobResult<J>[]]>): void {
  const batches = Math.ceil(job.items.length / batchSize);
  for (;;) {
    const batch = Atomics.add(counter, 0, 1);
    if (batch >= batches) return;
    const start = batch * batchSize;
    const end = Math.min(start + batchSize, job.items.length);
    const results: JobResult<J>[] = [];
    for (let i = start; i < end; i++) results.push(runItem(job, i));
    claimed.push([start, results]);
  }
}
