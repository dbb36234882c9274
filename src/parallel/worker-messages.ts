import type { CheckJob } from "./check-jobs.ts";

export interface WorkerRequest {
  job: CheckJob;
  /** One Int32: the next unclaimed batch, shared by every thread. */
  counter: SharedArrayBuffer;
  batchSize: number;
  /** Collect garbage after replying: one wave of a large job. */
  collect: boolean;
}

/** Results by the index of each claimed batch's first item. */
export type WorkerReply = { ok: true; claimed: Array<[number, unknown[]]> } | { ok: false; error: string };
