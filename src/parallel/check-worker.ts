/**
 * Worker entry (compiled into the binary as its own entry point; see
 * scripts/build.ts): runs its share of a check job and posts the results back.
 */
import { loadHasher } from "../hash/xxh64.ts";
import { drainBatches, type CheckJob } from "./check-jobs.ts";
import type { WorkerReply, WorkerRequest } from "./worker-messages.ts";

declare const self: Worker;

const ready = loadHasher();

self.onmessage = async (event: MessageEvent<WorkerRequest>) => {
  const { job, counter, batchSize, collect } = event.data;
  let reply: WorkerReply;
  try {
    await ready;
    const claimed: Array<[number, unknown[]]> = [];
    drainBatches(job as CheckJob, new Int32Array(counter), batchSize, claimed as never);
    reply = { ok: true, claimed };
  } catch (error) {
    reply = { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  self.postMessage(reply);
  if (collect) Bun.gc(true);
};
