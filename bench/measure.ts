/**
 * Timing primitives: spawn a command, measure its wall time from the parent
 * and its peak RSS and CPU time with GNU time. Spawning is asynchronous on
 * purpose: the local SimBoard server lives in this process and must keep
 * answering while the binary runs.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export interface Timed {
  wallMs: number;
  /** peak resident set size, KiB (GNU time %M); undefined when not measured */
  rssKiB: number | undefined;
  /** user + system CPU seconds of the child (GNU time %U + %S) */
  cpuS: number | undefined;
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** wrap in /usr/bin/time for peak RSS and CPU time (adds ~1 ms) */
  resources?: boolean;
  /**
   * Keep stdout (default: /dev/null). It goes through a file, not a pipe:
   * the binary can exit before a large write to a pipe has drained, which
   * truncates a big --json report (see RESULTS.md, "Findings").
   */
  keepStdout?: boolean;
}

const GNU_TIME = "/usr/bin/time";

export async function timed(argv: string[], options: SpawnOptions = {}): Promise<Timed> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "sbu-bench-run-"));
  const resourceFile = options.resources ? path.join(dir, "time") : undefined;
  const stdoutFile = path.join(dir, "stdout");
  const command = resourceFile ? [GNU_TIME, "-f", "%M %U %S", "-o", resourceFile, ...argv] : argv;
  const started = performance.now();
  const child = Bun.spawn(command, {
    cwd: options.cwd,
    env: options.env ?? (process.env as Record<string, string>),
    stdin: "ignore",
    stdout: options.keepStdout ? Bun.file(stdoutFile) : "ignore",
    stderr: "pipe",
  });
  const [stderr, exitCode] = await Promise.all([new Response(child.stderr).text(), child.exited]);
  const wallMs = performance.now() - started;
  const stdout = options.keepStdout ? await readFile(stdoutFile, "utf8") : "";
  let rssKiB: number | undefined;
  let cpuS: number | undefined;
  if (resourceFile) {
    const text = await readFile(resourceFile, "utf8");
    // GNU time prefixes "Command exited with non-zero status N" on failure; the figures are the last line.
    const [rss, user, sys] = text.trim().split("\n").at(-1)!.split(" ").map(Number);
    rssKiB = rss;
    cpuS = (user ?? 0) + (sys ?? 0);
  }
  await rm(dir, { recursive: true, force: true });
  return { wallMs, rssKiB, cpuS, exitCode, stdout, stderr };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Runs `once` `repeat` times after `warmup` untimed runs; returns every sample. */
export async function sample<T>(repeat: number, once: () => Promise<T>, warmup = 0): Promise<T[]> {
  for (let i = 0; i < warmup; i++) await once();
  const out: T[] = [];
  for (let i = 0; i < repeat; i++) out.push(await once());
  return out;
}
