import { closeSync, openSync, writeSync } from "node:fs";
import { createSimboardApi, type SimboardApi } from "../api/simboard-api.ts";
import { loadConfig } from "../config/load-config.ts";
import { readToken } from "../config/read-token.ts";
import type { SiteConfig } from "../config/site-config.ts";
import { ConfigError } from "../errors/config-error.ts";
import { eventLogReporter } from "../reporters/event-log.ts";
import { fanout } from "../reporters/fanout.ts";
import { progressReporter } from "../reporters/progress-reporter.ts";
import type { Reporter } from "../sync/sync-event.ts";
import { redactor } from "../util/redact.ts";
import type { CliIo } from "./io.ts";
import { settingsFromFlags, type CommonFlags } from "./settings-from-flags.ts";
import { VERSION } from "./version.ts";

export interface PreparedRun {
  config: SiteConfig & { machine: string; archiveRoot: string };
  api: SimboardApi;
  reporter: Reporter;
  redact: (text: string) => string;
  /** Stops the spinner and closes the log file; safe to call twice. */
  close: () => void;
}

/** Everything both commands need before talking to SimBoard: settings, token, API port, reporters. */
export async function prepareRun(flags: CommonFlags, io: CliIo, needs: { archiveRoot: boolean }): Promise<PreparedRun> {
  const { config } = await loadConfig({ configFile: flags.config, flags: settingsFromFlags(flags), env: io.env, cwd: io.cwd, home: io.home });
  if (!config.machine) throw new ConfigError("machine: required; set --machine, MACHINE_NAME or machine in the config file");
  if (needs.archiveRoot && !config.archiveRoot) {
    throw new ConfigError("archiveRoot: required; set --archive-root, PERF_ARCHIVE_ROOT or archiveRoot in the config file");
  }
  const token = await readToken({ env: io.env, tokenFile: config.tokenFile });
  const redact = redactor([token]);
  const api = createSimboardApi({ apiUrl: config.apiUrl, token, timeoutMs: config.timeout * 1000, userAgent: `simboard-upload/${VERSION}`, now: Date.now });

  const reporters: Reporter[] = [];
  let logFd: number | undefined;
  if (config.logFile) {
    try {
      logFd = openSync(config.logFile, "a", 0o600);
    } catch (error) {
      throw new ConfigError(`logFile: cannot open ${config.logFile} for appending (${(error as NodeJS.ErrnoException).code})`);
    }
    const fd = logFd;
    reporters.push(eventLogReporter((line) => writeSync(fd, redact(line)), config.logFormat, () => new Date()));
  } else if (config.verbose) {
    reporters.push(eventLogReporter((line) => io.stderr(redact(line)), config.logFormat, () => new Date()));
  }
  const progress = io.stderrTty && !config.verbose ? progressReporter(io.stderrTty) : undefined;
  if (progress) reporters.push(progress);
  return {
    config: config as PreparedRun["config"],
    api,
    reporter: fanout(reporters),
    redact,
    close: () => {
      progress?.stop();
      if (logFd !== undefined) closeSync(logFd);
      logFd = undefined;
    },
  };
}
