import type { CheckJob } from "./check-jobs.ts";

export interface WorkerRequest {
  job: CheckJob;
  /** One Int32: the next unclaimed batch, shared by every thread. */
  counter: SharedArrayBuffer;
  batchSize: number;
}

/** Results by the index of each claimed batch's first item. */
export type WorkerReply = { ok: true; claimed: Array<[number, unknown[]]> } | { ok: false; error: string };
