import { drainBatches, runItem, type CheckJob, type JobResult } from "./check-jobs.ts";
import type { WorkerReply, WorkerRequest } from "./worker-messages.ts";

export interface PoolRun<J extends CheckJob> {
  /** In item order. */
  results: JobResult<J>[];
  /** Threads that took part: this one plus each worker that answered. */
  threads: number;
}

/** Runs check jobs on this thread plus `threads - 1` workers. */
export interface CheckPool {
  readonly threads: number;
  run<J extends CheckJob>(job: J): Promise<PoolRun<J>>;
  /** Ends the workers; a later job starts new ones. */
  close(): void;
}

/**
 * A large job runs in waves, each thread collecting its garbage after each:
 * on 50,000 executions the two heaps otherwise grow with the allocation churn
 * of the whole job (peak 264 → 204 MB for a dry run, 400 → 217 MB with
 * `--pack full`, for about 10 % more time). Smaller jobs run in one wave.
 */
const WAVE = 8192;

/**
 * Below this many items a worker's start-up (a second JavaScript VM, about
 * 10 ms) costs more than the work it would take.
 */
const MIN_ITEMS_FOR_WORKERS = { validate: 200, "read-whole": 2 } as const;

/**
 * Validation and hashing are bound by system calls on page-cached files; the
 * kernel serves two threads in parallel (`find | cat` split in two halves:
 * 0.75 → 0.38 s), so the run uses the second core rather than async I/O. The
 * main thread works too: with nothing else to do until the results are in,
 * it claims batches like the workers, and a worker that starts late or fails
 * only means the main thread does more.
 */
export function openCheckPool(threads: number, options: { workerSpecifier?: string; wave?: number } = {}): CheckPool {
  const workerSpecifier = options.workerSpecifier ?? bundledWorker();
  const waveSize = options.wave ?? WAVE;
  const workers: Worker[] = [];
  /** Workers that have exited or failed, whenever it happened: never asked again. */
  const gone = new WeakSet<Worker>();
  let broken = false;

  const spawn = (): Worker | undefined => {
    try {
      const worker = new Worker(workerSpecifier);
      worker.unref();
      // Listening for the whole life of the worker, not only while it works:
      // one that exits between two jobs (or two waves) must not be asked and
      // awaited forever.
      const lost = () => {
        if (!gone.has(worker) && workers.includes(worker)) broken = true;
        gone.add(worker);
      };
      worker.addEventListener("close", lost);
      worker.addEventListener("error", lost);
      return worker;
    } catch {
      broken = true;
      return undefined;
    }
  };

  /** One wave; `parallel` was decided for the whole job. */
  async function runWave<J extends CheckJob>(job: J, parallel: boolean, collect: boolean): Promise<PoolRun<J>> {
    const total = job.items.length;
    if (!parallel || broken) return { results: job.items.map((_, i) => runItem(job, i)), threads: 1 };
    while (workers.length < threads - 1 && !broken) {
      const worker = spawn();
      if (worker) workers.push(worker);
    }
    if (broken) return { results: job.items.map((_, i) => runItem(job, i)), threads: 1 };
    const batchSize = Math.max(1, Math.min(64, Math.ceil(total / (threads * 16))));
    const counter = new SharedArrayBuffer(4);
    // A worker is unreferenced between jobs (it must never keep the process
    // alive) and referenced while the run awaits its reply.
    for (const worker of workers) worker.ref();
    const replies = workers.map((worker) => ask(worker, gone, { job, counter, batchSize, collect }));
    const claimed: Array<[number, JobResult<typeof job>[]]> = [];
    drainBatches(job, new Int32Array(counter), batchSize, claimed);
    const answered = await Promise.all(replies);
    for (const worker of workers) worker.unref();
    let threadsUsed = 1;
    for (const reply of answered) {
      if (reply.ok) {
        claimed.push(...(reply.claimed as typeof claimed));
        threadsUsed++;
      } else {
        broken = true;
      }
    }
    const results = new Array<JobResult<typeof job>>(total);
    for (const [start, batch] of claimed) batch.forEach((result, i) => (results[start + i] = result));
    // Batches a failed worker had claimed are redone here.
    for (let i = 0; i < total; i++) results[i] ??= runItem(job, i);
    return { results, threads: threadsUsed };
  }

  return {
    threads,
    async run(job) {
      const parallel = threads >= 2 && job.items.length >= MIN_ITEMS_FOR_WORKERS[job.kind];
      if (job.items.length <= waveSize) return runWave(job, parallel, false);
      const results: JobResult<typeof job>[] = [];
      let threadsUsed = 1;
      for (let start = 0; start < job.items.length; start += waveSize) {
        const wave = await runWave({ ...job, items: job.items.slice(start, start + waveSize) } as typeof job, parallel, true);
        for (const result of wave.results) results.push(result);
        threadsUsed = Math.max(threadsUsed, wave.threads);
        Bun.gc(true);
      }
      return { results, threads: threadsUsed };
    },
    close() {
      // Taken out of the list first: their close events are not failures.
      for (const worker of workers.splice(0)) worker.terminate();
    },
  };
}

/** The worker's answer; a worker that fails or exits without one answers `ok: false`. */
function ask(worker: Worker, gone: WeakSet<Worker>, request: WorkerRequest): Promise<WorkerReply> {
  // Its close event has been seen already: it would never come again.
  if (gone.has(worker)) return Promise.resolve({ ok: false, error: "the worker had exited" });
  return new Promise((resolve) => {
    const listeners: Array<[string, (event: Event) => void]> = [
      ["message", (event) => done((event as MessageEvent<WorkerReply>).data)],
      ["error", (event) => done({ ok: false, error: (event as ErrorEvent).message })],
      ["messageerror", () => done({ ok: false, error: "the worker's reply could not be read" })],
      ["close", () => done({ ok: false, error: "the worker exited" })],
    ];
    const done = (reply: WorkerReply) => {
      for (const [type, listener] of listeners) worker.removeEventListener(type, listener);
      resolve(reply);
    };
    for (const [type, listener] of listeners) worker.addEventListener(type, listener);
    worker.postMessage(request);
  });
}

/**
 * In the compiled binary the worker is a second entry point, addressed by its
 * path below src/ (scripts/build.ts); from source it sits beside this file.
 */
function bundledWorker(): string {
  return Bun.main.startsWith("/$bunfs/") || Bun.main.startsWith("B:/~BUN/") ? "./parallel/check-worker.ts" : new URL("./check-worker.ts", import.meta.url).href;
}
