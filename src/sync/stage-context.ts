import type { CheckPool } from "../parallel/check-pool.ts";
import type { SimboardApi } from "../api/simboard-api.ts";
import type { RetryPolicy } from "../retry/retry-policy.ts";
import type { Reporter } from "./sync-event.ts";

/** The side effects a run may use, handed in so tests can watch and steer them. */
export interface SyncDeps {
  api: SimboardApi;
  reporter: Reporter;
  /** Threads for validation and hashing. */
  checks: CheckPool;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
  /** A fresh private (0700) directory for staged archives; the run removes it. */
  makeStagingDir: () => Promise<string>;
  /** Aborted, with a one-sentence reason, once no new upload may start (a signal, `--max-duration`). */
  stopSignal?: AbortSignal;
  /** Aborted when requests in flight must be cut short (after a grace period, or at the deadline). */
  abortSignal?: AbortSignal;
}

export interface SyncOptions {
  machine: string;
  archiveRoot: string;
  dryRun: boolean;
  maxCases: number | undefined;
  pack: "metadata" | "full";
  concurrency: number;
  hpcUsername: string | undefined;
  retry: RetryPolicy;
  gzipLevel: number;
  archiveLimitBytes: number;
}
