import { Command, Option } from "commander";
import { EXIT_CODE_TABLE } from "../exit-codes.ts";
import type { CliIo } from "./io.ts";
import { parseNumber, type CommonFlags } from "./settings-from-flags.ts";
import { VERSION } from "./version.ts";

const HELP_FOOTER = `
Exit codes:
${EXIT_CODE_TABLE.map(([code, meaning]) => `  ${String(code).padStart(3)}  ${meaning}`).join("\n")}

The API token is read from SIMBOARD_API_TOKEN, or from the file named by
SIMBOARD_API_TOKEN_FILE / tokenFile (mode 600); never from a flag.
Settings: flags > environment > config file (simboard.config.json, .simboardrc[.json|.yaml|.yml]) > defaults.`;

function withCommonOptions(command: Command): Command {
  return command
    .option("--config <file>", "config file (default: search simboard.config.json, .simboardrc* from the working directory up to $HOME)")
    .option("--api-url <url>", "SimBoard base URL, with or without /api/v1 [env SIMBOARD_API_BASE_URL]")
    .option("--machine <name>", "SimBoard machine name, e.g. chrysalis [env MACHINE_NAME]")
    .option("--archive-root <dir>", "staging archive root <root>/<user>/<case>/<execution>/ [env PERF_ARCHIVE_ROOT]")
    .option("--max-cases <n>", "upload at most n cases this run [env MAX_CASES_PER_RUN]", parseNumber)
    .option("--max-attempts <n>", "attempts per request (default 3) [env MAX_ATTEMPTS]", parseNumber)
    .option("--timeout <seconds>", "seconds per request attempt (default 60) [env REQUEST_TIMEOUT_SECONDS]", parseNumber)
    .option("--concurrency <n>", "cases uploading at once (default 2)", parseNumber)
    .option("--hash-concurrency <n>", "threads that validate and hash (default 2, capped at the CPUs available)", parseNumber)
    .addOption(new Option("--pack <mode>", "metadata: only files SimBoard reads (default); full: whole execution directories").choices(["metadata", "full"]))
    .option("--hpc-username <name>", "owner recorded when env_case lacks REALUSER")
    .option("--json", "print one machine-readable JSON report on stdout")
    .addOption(new Option("--log-format <format>", "event log format (default text)").choices(["text", "json"]))
    .option("--log-file <file>", "append the event log to this file")
    .option("-v, --verbose", "list unchanged cases; event log to stderr when no --log-file")
    .option("--ca-file <pem>", "site CA bundle to trust in addition to the default roots")
    .option("--allow-insecure-http", "allow http:// to a host other than loopback (sends the token in clear text)")
    .option("--max-retry-after <duration>", "cap on a server's Retry-After (default 300s)")
    .option("--max-duration <duration>", "bound on the whole run, e.g. 14m; no upload starts after it")
    .option("--state-dir <dir>", "directory for the run lock (default $XDG_STATE_HOME/simboard-upload)")
    .option("--lock-stale-after <duration>", "take over a lock older than this (default 6h)");
}

/** The command tree. Actions report their exit code through `setExitCode`. */
export function buildProgram(io: CliIo, setExitCode: (code: number) => void): Command {
  const program = new Command("simboard-upload")
    .description("State-first upload of E3SM performance archives to SimBoard")
    .version(VERSION, "--version")
    .addHelpText("after", HELP_FOOTER)
    .showHelpAfterError("(run simboard-upload --help for usage)")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });

  withCommonOptions(
    program
      .command("sync")
      .description("fetch SimBoard state, scan the archive, and upload new executions (--dry-run shows the plan only)")
      .option("--dry-run", "show the plan and upload nothing [env DRY_RUN]")
      .option("--no-dry-run", "upload even when DRY_RUN or the config file says dry run"),
  )
    .addHelpText("after", HELP_FOOTER)
    .exitOverride()
    .action(async (flags: CommonFlags) => setExitCode(await (await import("./sync-command.ts")).syncCommand(flags, io)));

  withCommonOptions(program.command("state").description("print what SimBoard knows for the machine (--json for the reply as parsed)"))
    .addHelpText("after", HELP_FOOTER)
    .exitOverride()
    .action(async (flags: CommonFlags) => setExitCode(await (await import("./state-command.ts")).stateCommand(flags, io)));

  return program;
}
