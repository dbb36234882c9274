import { describe, expect, test } from "bun:test";
import { HttpError } from "../../src/errors/http-error.ts";
import { NetworkError } from "../../src/errors/network-error.ts";
import { SimboardError } from "../../src/errors/simboard-error.ts";
import { DEFAULT_RETRY, withRetry, type AttemptFailure } from "../../src/retry/retry-policy.ts";

function harness(random = () => 1) {
  const delays: number[] = [];
  const failures: AttemptFailure[] = [];
  return {
    delays,
    failures,
    deps: { sleep: async (ms: number) => void delays.push(ms), random, onFailure: (f: AttemptFailure) => failures.push(f) },
  };
}

describe("withRetry", () => {
  test("retries transient errors with doubling backoff, then succeeds", async () => {
    const h = harness();
    let calls = 0;
    const result = await withRetry(
      async () => {
        calls++;
        if (calls < 3) throw new HttpError(503, "busy");
        return "ok";
      },
      { ...DEFAULT_RETRY, maxAttempts: 3 },
      h.deps,
    );
    expect(result).toBe("ok");
    expect(h.delays).toEqual([1000, 2000]);
    expect(h.failures.map((f) => [f.attempt, f.retryInMs])).toEqual([[1, 1000], [2, 2000]]);
  });

  test("gives up after maxAttempts and throws the last error", async () => {
    const h = harness();
    const attempt = () => Promise.reject(new NetworkError("refused", "ECONNREFUSED"));
    await expect(withRetry(attempt, { ...DEFAULT_RETRY, maxAttempts: 3 }, h.deps)).rejects.toThrow("refused");
    expect(h.delays).toEqual([1000, 2000]);
    expect(h.failures.at(-1)?.retryInMs).toBeUndefined();
  });

  test("final errors are not retried", async () => {
    const h = harness();
    await expect(withRetry(() => Promise.reject(new HttpError(422, "bad")), { ...DEFAULT_RETRY, maxAttempts: 5 }, h.deps)).rejects.toBeInstanceOf(HttpError);
    expect(h.delays).toEqual([]);
  });

  test("full jitter scales the backoff and Retry-After wins when longer, within its cap", async () => {
    const h = harness(() => 0.5);
    let calls = 0;
    await withRetry(
      async () => {
        calls++;
        if (calls === 1) throw new HttpError(429, "slow down", { retryAfterMs: 7000 });
        if (calls === 2) throw new HttpError(503, "busy", { retryAfterMs: 10_000_000 });
        if (calls === 3) throw new HttpError(502, "gateway");
        return "ok";
      },
      { ...DEFAULT_RETRY, maxAttempts: 4 },
      h.deps,
    );
    expect(h.delays).toEqual([7000, 300_000, 2000]);
  });

  test("wraps unknown throwables as final SimboardErrors", async () => {
    const h = harness();
    await expect(withRetry(() => Promise.reject(new Error("boom")), { ...DEFAULT_RETRY, maxAttempts: 3 }, h.deps)).rejects.toBeInstanceOf(SimboardError);
    expect(h.delays).toEqual([]);
  });
});
