import { CommanderError } from "commander";
import { ExitCode } from "../exit-codes.ts";
import { SimboardError } from "../errors/simboard-error.ts";
import type { CliIo } from "./io.ts";
import { buildProgram } from "./program.ts";

/** Parses argv, runs one command, and turns every outcome into an exit code. Never exits itself. */
export async function runCli(io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.Success;
  const program = buildProgram(io, (code) => (exitCode = code));
  const wantsJson = io.argv.includes("--json");
  try {
    if (io.argv.length <= 2) {
      program.outputHelp();
      return ExitCode.Usage;
    }
    await program.parseAsync(io.argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      const benign = ["commander.helpDisplayed", "commander.version", "commander.help"].includes(error.code);
      return benign ? ExitCode.Success : ExitCode.Usage;
    }
    const known = error instanceof SimboardError;
    const message = known ? error.message : `internal error: ${(error as Error)?.message ?? String(error)}`;
    const code = known ? error.exitCode : ExitCode.CaseFailed;
    io.stderr(`simboard-upload: ${message}\n`);
    if (wantsJson) io.stdout(`${JSON.stringify({ error: message, exit_code: code })}\n`);
    return code;
  }
}
