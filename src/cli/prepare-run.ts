import { closeSync, openSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createSimboardApi, type SimboardApi } from "../api/simboard-api.ts";
import { loadConfig } from "../config/load-config.ts";
import { readToken } from "../config/read-token.ts";
import type { SiteConfig } from "../config/site-config.ts";
import { ConfigError } from "../errors/config-error.ts";
import { eventLogReporter } from "../reporters/event-log.ts";
import { fanout } from "../reporters/fanout.ts";
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
  /** Writes to stdout with the token redacted. */
  write: (text: string) => void;
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
  assertSafeTransport(config.apiUrl, config.allowInsecureHttp);
  // Bun's fetch takes `tls` per request and a CA given there replaces the
  // default roots, so the site CA joins them. Loading the roots costs 20 ms,
  // paid only when a site CA is configured.
  const ca = config.caFile ? [...(await import("node:tls")).rootCertificates, await readCaFile(config.caFile)] : undefined;
  const token = await readToken({ env: io.env, tokenFile: config.tokenFile });
  io.secrets.add(token);
  const redact = redactor([token]);
  const api = createSimboardApi({ apiUrl: config.apiUrl, token, timeoutMs: config.timeout * 1000, userAgent: `simboard-upload/${VERSION}`, now: Date.now, ca });

  const reporters: Reporter[] = [];
  let logFd: number | undefined;
  if (config.logFile) {
    try {
      logFd = openSync(config.logFile, "a", 0o600);
    } catch (error) {
      throw new ConfigError(`logFile: cannot open ${config.logFile} for appending (${(error as NodeJS.ErrnoException).code})`);
    }
    const fd = logFd;
    // A full disk or quota must not stop uploads: the log goes quiet with one warning.
    let failed = false;
    const append = (line: string) => {
      if (failed) return;
      try {
        writeSync(fd, redact(line));
      } catch (error) {
        failed = true;
        io.stderr(`simboard-upload: warning: cannot write the event log ${config.logFile} (${(error as NodeJS.ErrnoException).code}); continuing without it\n`);
      }
    };
    reporters.push(eventLogReporter(append, config.logFormat, () => new Date()));
  } else if (config.verbose) {
    reporters.push(eventLogReporter((line) => io.stderr(redact(line)), config.logFormat, () => new Date()));
  }
  // ora costs ~9 ms of start-up; a cron job, whose stderr is no terminal, never loads it.
  const progress = io.stderrTty && !config.verbose ? (await import("../reporters/progress-reporter.ts")).progressReporter(io.stderrTty) : undefined;
  if (progress) reporters.push(progress);
  return {
    config: config as PreparedRun["config"],
    api,
    reporter: fanout(reporters),
    redact,
    write: (text) => io.stdout(redact(text)),
    close: () => {
      progress?.stop();
      if (logFd !== undefined) closeSync(logFd);
      logFd = undefined;
    },
  };
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** The token travels in a header: over plain HTTP only to this machine, unless the operator insists. */
function assertSafeTransport(apiUrl: string, allowInsecureHttp: boolean): void {
  const url = new URL(apiUrl);
  if (url.protocol === "http:" && !LOOPBACK.test(url.hostname) && !allowInsecureHttp) {
    throw new ConfigError(`apiUrl: ${url.origin} is plain http:// to another host, which would send the API token in clear text; use https:// or pass --allow-insecure-http`);
  }
}

async function readCaFile(file: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ConfigError(`caFile: cannot read ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
  if (!text.includes("-----BEGIN CERTIFICATE-----")) throw new ConfigError(`caFile: ${file} holds no PEM certificate`);
  return text;
}
