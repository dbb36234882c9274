import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export const BINARY = path.resolve(import.meta.dir, "../../dist/simboard-upload");

export interface BinaryRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Every byte any run printed, so one test can prove no token ever leaked. */
export const capturedOutput: string[] = [];

/**
 * Spawns the compiled binary with a clean environment: only what the test
 * passes, plus a private HOME and working directory so no stray config file
 * or `.env` is picked up.
 */
export async function runBinary(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<BinaryRun> {
  const home = await mkdtemp(path.join(os.tmpdir(), "sbu-home-"));
  const child = Bun.spawn([BINARY, ...args], {
    cwd: options.cwd ?? home,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, TMPDIR: process.env.TMPDIR ?? os.tmpdir(), SIMBOARD_UPLOAD_TEST_INSTANT_RETRY: "1", ...options.env },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  capturedOutput.push(stdout, stderr);
  return { exitCode, stdout, stderr };
}

/** A config file in a fresh directory; returns its path. */
export async function writeConfig(settings: Record<string, unknown>, name = "simboard.config.json"): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "sbu-config-"));
  const file = path.join(dir, name);
  await writeFile(file, name.endsWith(".json") ? JSON.stringify(settings, null, 2) : String(settings.__raw ?? ""));
  return file;
}
