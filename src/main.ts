#!/usr/bin/env bun
import os from "node:os";
import { runCli } from "./cli/run-cli.ts";
import { ExitCode } from "./exit-codes.ts";

// The only place that exits. Signals abort the run; it unwinds, removes its
// staged archives and reports what it did. A second signal exits at once.
const controller = new AbortController();
let signalCode: number | undefined;
for (const [signal, code] of [["SIGINT", ExitCode.Interrupted], ["SIGTERM", ExitCode.Terminated]] as const) {
  process.on(signal, () => {
    if (signalCode !== undefined) process.exit(code);
    signalCode = code;
    controller.abort();
  });
}

const write = (stream: NodeJS.WriteStream) => (text: string) => void stream.write(text);
const code = await runCli({
  argv: process.argv,
  env: process.env,
  cwd: process.cwd(),
  home: os.homedir(),
  stdout: write(process.stdout),
  stderr: write(process.stderr),
  stderrTty: process.stderr.isTTY ? process.stderr : undefined,
  signal: controller.signal,
});
process.exitCode = signalCode ?? code;
// Let stdout drain (a pipe to a cron mailer may be slow) before exiting.
await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
process.exit(signalCode ?? code);
