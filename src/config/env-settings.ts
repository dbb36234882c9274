import type { SiteConfigInput } from "./site-config.ts";
import { ConfigError } from "../errors/config-error.ts";

type Env = Record<string, string | undefined>;

/** Upstream runner's environment variables, so a site can swap runners without touching cron. */
export const ENV_NAMES = {
  apiUrl: "SIMBOARD_API_BASE_URL",
  machine: "MACHINE_NAME",
  archiveRoot: "PERF_ARCHIVE_ROOT",
  dryRun: "DRY_RUN",
  maxCases: "MAX_CASES_PER_RUN",
  maxAttempts: "MAX_ATTEMPTS",
  timeout: "REQUEST_TIMEOUT_SECONDS",
  tokenFile: "SIMBOARD_API_TOKEN_FILE",
} as const satisfies Partial<Record<keyof SiteConfigInput, string>>;

const TRUE_WORDS = new Set(["1", "true", "yes", "on"]);
const FALSE_WORDS = new Set(["0", "false", "no", "off"]);

/** Reads the settings upstream's runner takes from the environment; empty values count as unset. */
export function readEnvSettings(env: Env): Partial<SiteConfigInput> {
  const scanMode = env.SCAN_MODE?.trim().toLowerCase();
  if (scanMode && scanMode !== "staging") {
    throw new ConfigError(`SCAN_MODE: '${env.SCAN_MODE}' is not supported; simboard-upload scans staging archives only (unset SCAN_MODE or set it to staging)`);
  }
  const settings: Record<string, unknown> = {};
  for (const [field, name] of Object.entries(ENV_NAMES)) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    settings[field] = field === "dryRun" ? parseBooleanWord(name, raw) : coerceNumber(raw, field);
  }
  return settings as Partial<SiteConfigInput>;
}

function parseBooleanWord(name: string, raw: string): boolean {
  const word = raw.toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw new ConfigError(`${name}: expected one of 1/true/yes/on or 0/false/no/off, got '${raw}'`);
}

const NUMERIC_FIELDS = new Set(["maxCases", "maxAttempts", "timeout"]);

/** Numeric text becomes a number; anything else is left for the schema to reject by name. */
function coerceNumber(raw: string, field: string): unknown {
  if (!NUMERIC_FIELDS.has(field)) return raw;
  const value = Number(raw);
  return raw.trim() !== "" && Number.isFinite(value) ? value : raw;
}
