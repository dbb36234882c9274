/**
 * How SimBoard finds and reads an execution's metadata files
 * (CONTRACT.md "What the server reads from an archive"). Regexes are anchored
 * at the start only, like Python's re.match. Readers that SimBoard guards with
 * try/except turn unreadable files into missing values; the others (README.case,
 * GIT_*) let a bad gzip escape and fail the whole request with a plain 500.
 */
import { gunzipSync } from "node:zlib";
import { type ArchiveTree, listDir } from "./archive-tree.ts";

type Location = "casedocs" | "root";
interface FileSpec {
  key: string;
  pattern: RegExp;
  location: Location;
  required: boolean;
}

export const FILE_SPECS: readonly FileSpec[] = [
  { key: "env_case", pattern: /^env_case\.xml\..*\.gz/, location: "casedocs", required: true },
  { key: "env_build", pattern: /^env_build\.xml\..*\.gz/, location: "casedocs", required: true },
  { key: "env_run", pattern: /^env_run\.xml\..*/, location: "casedocs", required: true },
  { key: "readme_case", pattern: /^README\.case\..*\.gz/, location: "casedocs", required: true },
  { key: "case_status", pattern: /^CaseStatus\..*\.gz/, location: "root", required: true },
  { key: "e3sm_timing", pattern: /^e3sm_timing\..*/, location: "root", required: true },
  { key: "git_describe", pattern: /^GIT_DESCRIBE\..*\.gz/, location: "root", required: true },
  { key: "git_config", pattern: /^GIT_CONFIG\..*\.gz/, location: "root", required: false },
  { key: "git_status", pattern: /^GIT_STATUS\..*\.gz/, location: "root", required: false },
];

/** Values SimBoard's ingest step reads; undefined where the archive lacks them. */
export interface ParsedExecution {
  executionDir: string;
  executionId: string;
  caseName?: string;
  machine?: string;
  realUser?: string;
  compsetAlias?: string;
  gridResolution?: string;
  runType?: string;
  simulationStartDate?: string;
  gridName?: string;
  compset?: string;
  gitRepositoryUrl?: string;
}

export type ExecutionReading =
  | { outcome: "parsed"; execution: ParsedExecution }
  | { outcome: "incomplete" | "invalid"; reason: string };

/** A required metadata file SimBoard reads without a guard is not valid gzip. */
export class UnguardedReadError extends Error {}

export function readExecution(tree: ArchiveTree, execDir: string): ExecutionReading {
  const found = locate(tree, execDir);
  if (!("files" in found)) return found;
  const located = found.files;
  const text = (key: string, guarded: boolean) => {
    const path = located[key];
    return path === undefined ? undefined : readText(tree, path, guarded);
  };
  const envCase = text("env_case", true) ?? "";
  const envBuild = text("env_build", true) ?? "";
  const envRun = text("env_run", true) ?? "";
  const readme = text("readme_case", false) ?? "";
  text("case_status", true);
  const timing = text("e3sm_timing", true) ?? "";
  text("git_describe", false);
  const gitConfig = text("git_config", false) ?? "";
  text("git_status", false);

  const lid = firstMatch(timing, /^LID\s*[:=]\s*(.+)/);
  if (!lid) return { outcome: "incomplete", reason: `Required timing-file LID missing for execution directory '${execDir}'` };
  const runType = xmlEntry(envRun, "RUN_TYPE");
  return {
    outcome: "parsed",
    execution: {
      executionDir: execDir,
      // SimBoard keeps the directory name when the timing LID disagrees with it.
      executionId: execDir.slice(execDir.lastIndexOf("/") + 1),
      caseName: xmlEntry(envCase, "CASE"),
      machine: xmlEntry(envCase, "MACH"),
      realUser: xmlEntry(envCase, "REALUSER"),
      compsetAlias: xmlEntry(envCase, "COMPSET"),
      gridResolution: xmlEntry(envBuild, "GRID"),
      runType,
      simulationStartDate: xmlEntry(envRun, runType === "branch" ? "RUN_REFDATE" : "RUN_STARTDATE"),
      gridName: newcaseFlag(readme, "--res"),
      compset: newcaseFlag(readme, "--compset"),
      gitRepositoryUrl: firstMatch(gitConfig, /^url\s*=\s*(.+)/),
    },
  };
}

function locate(tree: ArchiveTree, execDir: string): { files: Record<string, string> } | ExecutionReading {
  const entries = listDir(tree, execDir);
  const caseDocs = entries.filter((e) => e.isDir && e.name.toLowerCase().startsWith("casedocs"));
  const found: Record<string, string> = {};
  const missing: string[] = [];
  const multiple: string[] = [];
  for (const spec of FILE_SPECS) {
    const candidates = spec.location === "root" ? entries : caseDocs.flatMap((d) => listDir(tree, d.path));
    const matches = candidates.filter((e) => spec.pattern.test(e.name));
    if (matches.length > 1) multiple.push(spec.key);
    else if (matches[0]) found[spec.key] = matches[0].path;
    else if (spec.required) missing.push(spec.key);
  }
  if (multiple.length) return { outcome: "invalid", reason: `multiple files match ${multiple.join(", ")}` };
  if (missing.length) return { outcome: "incomplete", reason: `missing ${missing.join(", ")}` };
  return { files: found };
}

const decoder = new TextDecoder(); // replaces undecodable bytes, like errors="replace"

function readText(tree: ArchiveTree, path: string, guarded: boolean): string | undefined {
  const data = tree.files.get(path);
  try {
    if (data === undefined) throw new Error(`Is a directory: '${path}'`);
    if (!path.endsWith(".gz") || data.length === 0) return decoder.decode(data);
    return decoder.decode(gunzipSync(data));
  } catch (err) {
    if (guarded) return undefined;
    throw new UnguardedReadError(`${path}: ${(err as Error).message}`);
  }
}

function firstMatch(text: string, pattern: RegExp): string | undefined {
  for (const line of text.split(/\r\n|\r|\n/)) {
    const m = pattern.exec(line.trim());
    if (m) return m[1]?.trim() || undefined;
  }
  return undefined;
}

const XML_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
const unescapeXml = (s: string) => s.replace(/&(amp|lt|gt|quot|apos);/g, (_, e: string) => XML_ENTITIES[e] ?? "");

/** `<entry id="X" value="Y">` (value attribute preferred) or `<entry id="X">Y</entry>`. */
function xmlEntry(xml: string, id: string): string | undefined {
  for (const m of xml.matchAll(/<entry\b([^>]*?)(\/?)>([^<]*)/g)) {
    const attrs = parseAttributes(m[1] ?? "");
    if (attrs.id !== id) continue;
    if (attrs.value !== undefined) return attrs.value;
    const body = (m[2] ? "" : (m[3] ?? "")).trim();
    if (body) return unescapeXml(body);
  }
  return undefined;
}

function parseAttributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of text.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
    out[m[1] ?? ""] = unescapeXml(m[2] ?? m[3] ?? "");
  }
  return out;
}

/** A flag's value on README.case's create_newcase line (`--res X` or `--res=X`). */
function newcaseFlag(readme: string, flag: string): string | undefined {
  for (const line of readme.split(/\r\n|\r|\n/)) {
    if (!line.includes("create_newcase")) continue;
    const parts = line.trim().split(/\s+/);
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i] ?? "";
      if (part === flag) return parts[i + 1];
      if (part.startsWith(`${flag}=`)) return part.slice(flag.length + 1);
    }
  }
  return undefined;
}
