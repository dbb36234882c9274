#!/usr/bin/env bun
import os from "node:os";
import { runCli } from "./cli/run-cli.ts";
import { ExitCode } from "./exit-codes.ts";
import { redactor } from "./util/redact.ts";

// The only place that exits. The first signal stops new uploads, lets
// requests in flight finish for a grace period, and the run unwinds: staged
// archives removed, partial report printed. A second signal exits at once,
// still removing staged archives and the lock.
const controller = new AbortController();
const cleanups = new Set<() => void>();
let signalCode: number | undefined;
for (const [signal, code] of [["SIGINT", ExitCode.Interrupted], ["SIGTERM", ExitCode.Terminated]] as const) {
  process.on(signal, () => {
    if (signalCode !== undefined) {
      for (const cleanup of cleanups) cleanup();
      process.exit(code);
    }
    signalCode = code;
    controller.abort(`interrupted by ${signal}`);
  });
}

// Bun's stream.write may still be buffering a large report when the process
// exits; Bun.write resolves only once every byte reached the pipe or file.
let pending: Promise<unknown> = Promise.resolve();
const secrets = new Set<string>();
const write = (sink: typeof Bun.stdout) => (text: string) => {
  const safe = redactor([...secrets])(text);
  pending = pending.then(() => Bun.write(sink, safe)).catch(() => undefined);
};
async function main(): Promise<never> {
  const code = await runCli({
    argv: process.argv,
    env: process.env,
    cwd: process.cwd(),
    home: os.homedir(),
    host: os.hostname(),
    pid: process.pid,
    stdout: write(Bun.stdout),
    stderr: write(Bun.stderr),
    stderrTty: process.stderr.isTTY ? process.stderr : undefined,
    signal: controller.signal,
    interruptCode: () => signalCode,
    cleanups,
    secrets,
  });
  // Let stdout drain (a pipe to a cron mailer may be slow) before exiting.
  await pending;
  process.exit(signalCode ?? code);
}

// No top-level await: the binary is compiled to bytecode, which needs a script, not a module.
void main();
