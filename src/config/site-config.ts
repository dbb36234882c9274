import { z } from "zod";

/** Seconds as a number, or text like `90s`, `30m`, `6h`. */
const duration = (what: string) =>
  z.union([
    z.number().positive(),
    z
      .string()
      .regex(/^\d+(\.\d+)?\s*[smh]?$/, `expected ${what} in seconds or like 90s, 30m, 6h`)
      .transform((text) => {
        const value = parseFloat(text);
        const unit = text.trim().slice(-1);
        return value * (unit === "h" ? 3600 : unit === "m" ? 60 : 1);
      }),
  ]);

/** SimBoard's production API. */
export const DEFAULT_API_URL = "https://simboard-api.e3sm.org";

/**
 * The one schema for every setting. Each field is also a config-file key, a
 * command-line flag and, where upstream's Python runner has one, an
 * environment variable (see `env-settings.ts`). The JSON Schema for editors
 * (`simboard.config.schema.json`) is generated from this and kept in sync by a test.
 */
export const SiteConfigSchema = z.strictObject({
  $schema: z.string().optional().describe("Path or URL of simboard.config.schema.json, for editors; ignored by the tool."),
  apiUrl: z
    .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
    .default(DEFAULT_API_URL)
    .describe("SimBoard base URL, with or without /api/v1 (env SIMBOARD_API_BASE_URL)."),
  machine: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .optional()
    .describe("SimBoard machine name or alias this archive belongs to, e.g. chrysalis (env MACHINE_NAME). Required."),
  archiveRoot: z
    .string()
    .min(1, "must not be empty")
    .optional()
    .describe("Staging archive root laid out as <root>/<user>/<case>/<execution>/ (env PERF_ARCHIVE_ROOT). Required."),
  tokenFile: z
    .string()
    .min(1, "must not be empty")
    .optional()
    .describe("File holding the service-account API token, mode 600 (env SIMBOARD_API_TOKEN_FILE). SIMBOARD_API_TOKEN wins when set."),
  dryRun: z.boolean().default(false).describe("Show the plan and upload nothing (env DRY_RUN: 1/true/yes/on or 0/false/no/off)."),
  maxCases: z
    .int()
    .min(1, "must be at least 1")
    .optional()
    .describe("Upload at most this many cases per run; the rest are deferred to the next run (env MAX_CASES_PER_RUN)."),
  maxAttempts: z.int().min(1).max(20).default(3).describe("Attempts per request before a case fails (env MAX_ATTEMPTS)."),
  timeout: z.number().positive().max(3600).default(60).describe("Seconds one request attempt may take (env REQUEST_TIMEOUT_SECONDS)."),
  concurrency: z.int().min(1).max(16).default(2).describe("Cases uploading at once; requests for one case are always sent one after another."),
  hashConcurrency: z
    .int()
    .min(1)
    .max(64)
    .default(2)
    .describe("Threads that validate and hash executions (capped at the CPUs available); workers start only for jobs large enough to gain."),
  pack: z
    .enum(["metadata", "full"])
    .default("metadata")
    .describe("metadata: pack only the files SimBoard reads; full: whole execution directories, as upstream's runner does."),
  hpcUsername: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .optional()
    .describe("Owner SimBoard records when an execution's env_case lacks REALUSER."),
  json: z.boolean().default(false).describe("Print one machine-readable JSON report on stdout instead of text."),
  logFormat: z.enum(["text", "json"]).default("text").describe("Event log format: text (event=name key=value) or json (one object per line)."),
  logFile: z.string().min(1).optional().describe("Append the event log to this file (otherwise it goes to stderr with -v)."),
  verbose: z.boolean().default(false).describe("List unchanged cases and write the event log to stderr."),
  caFile: z
    .string()
    .min(1)
    .optional()
    .describe("PEM bundle of a site CA to trust in addition to the default roots (TLS is always verified)."),
  allowInsecureHttp: z
    .boolean()
    .default(false)
    .describe("Allow http:// to a host other than loopback (the token would travel in clear text)."),
  maxRetryAfter: duration("a duration")
    .default(300)
    .describe("Longest Retry-After the tool will honour, in seconds (or 90s, 5m); longer requests are capped."),
  maxDuration: duration("a duration")
    .optional()
    .describe("Bound on the whole run, in seconds (or 30m, 2h): once reached no new upload starts and in-flight ones are cut off."),
  stateDir: z
    .string()
    .min(1)
    .optional()
    .describe("Directory for the run lock (default $XDG_STATE_HOME/simboard-upload or ~/.local/state/simboard-upload)."),
  lockStaleAfter: duration("a duration")
    .default(21600)
    .describe("A lock older than this many seconds (or 6h) is taken over with a warning."),
});

export type SiteConfig = z.infer<typeof SiteConfigSchema>;
export type SiteConfigInput = z.input<typeof SiteConfigSchema>;

/** Fields holding paths; relative values are resolved against where they were written. */
export const PATH_FIELDS = ["archiveRoot", "tokenFile", "logFile", "caFile", "stateDir"] as const;
