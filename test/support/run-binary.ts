import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

export const BINARY = path.resolve(import.meta.dir, "../../dist/simboard-upload");

export interface BinaryRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Every byte any run printed, so the suite can prove no token ever leaked (see token-guard.ts). */
export const capturedOutput: string[] = [];

/** Every token a test handed to the binary. */
export const testTokens = new Set<string>();

/**
 * Spawns the compiled binary with a clean environment: only what the test
 * passes, plus a private HOME and working directory so no stray config file
 * or `.env` is picked up.
 */
export async function runBinary(args: string[], options: { env?: Record<string, string>; cwd?: string } = {}): Promise<BinaryRun> {
  const home = await mkdtemp(path.join(os.tmpdir(), "sbu-home-"));
  if (options.env?.SIMBOARD_API_TOKEN) testTokens.add(options.env.SIMBOARD_API_TOKEN);
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

/** Starts the binary without waiting, for tests that signal it mid-run. */
export function startBinary(args: string[], env: Record<string, string>) {
  if (env.SIMBOARD_API_TOKEN) testTokens.add(env.SIMBOARD_API_TOKEN);
  const child = Bun.spawn([BINARY, ...args], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", SIMBOARD_UPLOAD_TEST_INSTANT_RETRY: "1", ...env },
    stdout: "pipe",
    stderr: "pipe",
    stdin: "ignore",
  });
  const done = Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]).then(([stdout, stderr, exitCode]) => {
    capturedOutput.push(stdout, stderr);
    return { stdout, stderr, exitCode };
  });
  return { child, done };
}

/** Polls until `condition` holds; fails the test after `ms`. */
export async function waitFor(condition: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > end) throw new Error("waitFor: condition not met in time");
    await Bun.sleep(20);
  }
}

/** A config file in a fresh directory; returns its path. */
export async function writeConfig(settings: Record<string, unknown>, name = "simboard.config.json"): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "sbu-config-"));
  const file = path.join(dir, name);
  await writeFile(file, name.endsWith(".json") ? JSON.stringify(settings, null, 2) : String(settings.__raw ?? ""));
  return file;
}
