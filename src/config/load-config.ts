import { cosmiconfig, defaultLoaders } from "cosmiconfig";
import { closest, distance } from "fastest-levenshtein";
import path from "node:path";
import type { z } from "zod";
import { ConfigError } from "../errors/config-error.ts";
import { ENV_NAMES, readEnvSettings } from "./env-settings.ts";
import { PATH_FIELDS, SiteConfigSchema, type SiteConfig, type SiteConfigInput } from "./site-config.ts";

/** Where each setting came from, so an error can name the place to fix. */
type Source = { kind: "file"; file: string } | { kind: "env" } | { kind: "flag" };

export interface LoadConfigOptions {
  /** `--config FILE`; otherwise cosmiconfig searches from `cwd` up to the home directory. */
  configFile?: string;
  /** Settings from command-line flags, already typed by the command layer. */
  flags: Partial<SiteConfigInput>;
  env: Record<string, string | undefined>;
  cwd: string;
  home: string;
}

export interface LoadedConfig {
  config: SiteConfig;
  /** The config file used, if any. */
  configFile: string | undefined;
}

/** Config files are data: JSON and YAML only, never code inside a compiled binary. */
const SEARCH_PLACES = ["simboard.config.json", ".simboardrc", ".simboardrc.json", ".simboardrc.yaml", ".simboardrc.yml"];
const LOADERS = {
  ".json": defaultLoaders[".json"],
  ".yaml": defaultLoaders[".yaml"],
  ".yml": defaultLoaders[".yml"],
  noExt: defaultLoaders.noExt,
};

/**
 * Layers settings as flags > environment > config file > defaults, resolves
 * relative paths against where they were written, then validates once.
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const file = await readConfigFile(options);
  const layers: Array<[Partial<SiteConfigInput>, Source]> = [];
  if (file) layers.push([resolvePaths(file.settings, path.dirname(file.path), options.home), { kind: "file", file: file.path }]);
  layers.push([resolvePaths(readEnvSettings(options.env), options.cwd, options.home), { kind: "env" }]);
  layers.push([resolvePaths(options.flags, options.cwd, options.home), { kind: "flag" }]);

  const merged: Record<string, unknown> = {};
  const sources = new Map<string, Source>();
  for (const [settings, source] of layers) {
    for (const [key, value] of Object.entries(settings)) {
      if (value === undefined) continue;
      merged[key] = value;
      sources.set(key, source);
    }
  }
  const parsed = SiteConfigSchema.safeParse(merged);
  if (!parsed.success) throw new ConfigError(formatIssues(parsed.error.issues, sources));
  return { config: parsed.data, configFile: file?.path };
}

async function readConfigFile(options: LoadConfigOptions): Promise<{ path: string; settings: Partial<SiteConfigInput> } | undefined> {
  const explorer = cosmiconfig("simboard", {
    searchPlaces: SEARCH_PLACES,
    loaders: LOADERS,
    searchStrategy: "global",
    stopDir: options.home,
    cache: false,
  });
  let result;
  try {
    result = options.configFile
      ? await explorer.load(path.resolve(options.cwd, options.configFile))
      : await explorer.search(options.cwd);
  } catch (error) {
    throw new ConfigError(describeReadFailure(error, options.configFile));
  }
  if (!result) return undefined;
  const settings = result.isEmpty ? {} : result.config;
  if (typeof settings !== "object" || settings === null || Array.isArray(settings)) {
    throw new ConfigError(`${result.filepath}: expected an object of settings at the top level`);
  }
  return { path: result.filepath, settings: settings as Partial<SiteConfigInput> };
}

function describeReadFailure(error: unknown, configFile: string | undefined): string {
  const err = error as NodeJS.ErrnoException & { mark?: unknown };
  if (err?.code === "ENOENT") return `config file not found: ${configFile ?? err.path}`;
  if (err?.code === "EACCES") return `config file not readable: ${configFile ?? err.path} (check its permissions)`;
  // cosmiconfig prefixes parse errors with the file name; keep the first line only.
  const first = String(err?.message ?? error).split("\n").find((line) => line.trim() !== "") ?? "unreadable";
  return `config file could not be parsed: ${first.trim()}`;
}

function resolvePaths(settings: Partial<SiteConfigInput>, base: string, home: string): Partial<SiteConfigInput> {
  const out: Record<string, unknown> = { ...settings };
  for (const field of PATH_FIELDS) {
    const value = out[field];
    if (typeof value === "string" && value !== "") out[field] = path.resolve(base, expandHome(value, home));
  }
  return out as Partial<SiteConfigInput>;
}

function expandHome(value: string, home: string): string {
  return value === "~" || value.startsWith("~/") ? path.join(home, value.slice(1)) : value;
}

function formatIssues(issues: z.core.$ZodIssue[], sources: Map<string, Source>): string {
  return issues
    .map((issue) => {
      const keys = issue.code === "unrecognized_keys" ? issue.keys : [];
      if (keys.length > 0) {
        return keys.map((key) => `${key}: unknown setting${nearestField(key)}`).join("; ");
      }
      const field = issue.path.map(String).join(".");
      const where = describeSource(issue.path[0] === undefined ? undefined : sources.get(String(issue.path[0])), String(issue.path[0] ?? ""));
      return `${field || "config"}: ${issue.message}${where}`;
    })
    .join("; ");
}

function describeSource(source: Source | undefined, field: string): string {
  if (!source) return "";
  if (source.kind === "file") return ` (in ${source.file})`;
  if (source.kind === "env") return ` (from ${ENV_NAMES[field as keyof typeof ENV_NAMES] ?? "the environment"})`;
  return ` (from --${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)})`;
}

function nearestField(key: string): string {
  const best = closest(key, Object.keys(SiteConfigSchema.shape));
  return distance(key.toLowerCase(), best.toLowerCase()) <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean ${best}?)` : "";
}
