import { SimboardError } from "../errors/simboard-error.ts";
import { HttpError } from "../errors/http-error.ts";

export interface RetryPolicy {
  maxAttempts: number;
  /** First backoff step; doubles per attempt up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** Ceiling on a server's `Retry-After`, so a confused proxy cannot park the run for hours. */
  maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: Omit<RetryPolicy, "maxAttempts"> = {
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  maxRetryAfterMs: 300_000,
};

export interface RetryDeps {
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  random: () => number;
}

export interface AttemptFailure {
  attempt: number;
  error: SimboardError;
  /** Delay before the next attempt, or undefined when this was the last one. */
  retryInMs: number | undefined;
}

/**
 * The one retry policy: transient errors (as classified where they were born)
 * are retried with exponential backoff and full jitter, honouring
 * `Retry-After`; everything else, or the last attempt, is thrown as is.
 * It never prints; `onFailure` reports each failed attempt.
 */
export async function withRetry<T>(
  attempt: (attemptNumber: number) => Promise<T>,
  policy: RetryPolicy,
  deps: RetryDeps & { onFailure?: (failure: AttemptFailure) => void; signal?: AbortSignal },
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (raw) {
      const error = raw instanceof SimboardError ? raw : new SimboardError(String((raw as Error)?.message ?? raw), { cause: raw });
      const last = n >= policy.maxAttempts || !error.retryable || deps.signal?.aborted === true;
      const retryInMs = last ? undefined : backoffDelay(n, error, policy, deps.random);
      deps.onFailure?.({ attempt: n, error, retryInMs });
      if (retryInMs === undefined) throw error;
      await deps.sleep(retryInMs, deps.signal);
      // A stop during the wait means no new attempt starts.
      if (deps.signal?.aborted) throw error;
    }
  }
}

export function backoffDelay(attempt: number, error: SimboardError, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.round(random() * ceiling);
  const asked = error instanceof HttpError ? error.retryAfterMs : undefined;
  return asked === undefined ? jittered : Math.min(policy.maxRetryAfterMs, Math.max(asked, jittered));
}
