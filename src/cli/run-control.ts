/** Requests in flight get this long to finish after the first SIGINT/SIGTERM. */
export const INTERRUPT_GRACE_MS = 5_000;

export interface RunControl {
  stopSignal: AbortSignal;
  abortSignal: AbortSignal;
  dispose: () => void;
}

/**
 * Turns the process signal and `--max-duration` into the two signals the
 * core reads: stop starting uploads at once; cut in-flight requests after a
 * grace period (a signal) or at the deadline.
 */
export function runControl(interrupt: AbortSignal, maxDurationSeconds: number | undefined, setTimer = setTimeout): RunControl {
  const deadline = new AbortController();
  const graceOver = new AbortController();
  const timers: Array<ReturnType<typeof setTimeout>> = [];
  if (maxDurationSeconds !== undefined) {
    const timer = setTimer(() => deadline.abort(`the run reached --max-duration (${maxDurationSeconds} s)`), maxDurationSeconds * 1000);
    timer.unref?.();
    timers.push(timer);
  }
  const onInterrupt = () => {
    const timer = setTimer(() => graceOver.abort(interrupt.reason), INTERRUPT_GRACE_MS);
    timer.unref?.();
    timers.push(timer);
  };
  if (interrupt.aborted) onInterrupt();
  else interrupt.addEventListener("abort", onInterrupt, { once: true });
  return {
    stopSignal: AbortSignal.any([interrupt, deadline.signal]),
    abortSignal: AbortSignal.any([graceOver.signal, deadline.signal]),
    dispose: () => {
      interrupt.removeEventListener("abort", onInterrupt);
      timers.forEach(clearTimeout);
    },
  };
}
