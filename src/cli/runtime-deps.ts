import { rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { ConfigError } from "../errors/config-error.ts";

/** Real sleep that an abort cuts short. */
export function realSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}

/**
 * Tests of the compiled binary must not wait out real backoff: with this
 * variable set, retries happen at once while the delays are still reported
 * in the event log (`retry_in_ms`).
 */
export function sleepFor(env: Record<string, string | undefined>): (ms: number, signal?: AbortSignal) => Promise<void> {
  return env.SIMBOARD_UPLOAD_TEST_INSTANT_RETRY === "1" ? async () => {} : realSleep;
}

/**
 * mkdtemp creates the directory with mode 0700: other users of the login node
 * cannot read staged archives. Each directory is registered for removal in
 * case a second signal ends the process before the run unwinds.
 */
export function stagingDirMaker(env: Record<string, string | undefined>, cleanups: Set<() => void>): () => Promise<string> {
  const parent = env.TMPDIR || os.tmpdir();
  return async () => {
    try {
      const dir = await mkdtemp(path.join(parent, "simboard-upload-"));
      cleanups.add(() => rmSync(dir, { recursive: true, force: true }));
      return dir;
    } catch (error) {
      throw new ConfigError(`cannot create a staging directory in ${parent} (${(error as NodeJS.ErrnoException).code}); set TMPDIR to a writable directory`);
    }
  };
}
