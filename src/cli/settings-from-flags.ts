import { InvalidArgumentError } from "commander";
import type { SiteConfigInput } from "../config/site-config.ts";

/** Commander option values, as declared in `program.ts`. */
export interface CommonFlags {
  config?: string;
  apiUrl?: string;
  machine?: string;
  archiveRoot?: string;
  dryRun?: boolean;
  maxCases?: number;
  maxAttempts?: number;
  timeout?: number;
  concurrency?: number;
  hashConcurrency?: number;
  pack?: "metadata" | "full";
  hpcUsername?: string;
  json?: boolean;
  logFormat?: "text" | "json";
  logFile?: string;
  verbose?: boolean;
  caFile?: string;
  allowInsecureHttp?: boolean;
  maxRetryAfter?: string;
  maxDuration?: string;
  stateDir?: string;
  lockStaleAfter?: string;
}

export function settingsFromFlags(flags: CommonFlags): Partial<SiteConfigInput> {
  const { config: _config, ...settings } = flags;
  return Object.fromEntries(Object.entries(settings).filter(([, v]) => v !== undefined)) as Partial<SiteConfigInput>;
}

export function parseNumber(value: string): number {
  const number = Number(value);
  if (value.trim() === "" || !Number.isFinite(number)) throw new InvalidArgumentError("expected a number.");
  return number;
}
