import fg from "fast-glob";
import fs from "node:fs";
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import pLimit from "p-limit";
import { ConfigError } from "../errors/config-error.ts";
import { caseIdentity } from "../plan/case-identity.ts";
import type { ArchiveScan, CaseScan, ExecutionDir, SkippedDir } from "./archive-scan.ts";
import { isWellFormed } from "./well-formed-name.ts";
import { EXECUTION_DIR_PATTERN } from "./execution-id.ts";

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Walks the staging archive without following directory symlinks: every
 * directory named like an execution is one, its parent is the case, and
 * nothing below an execution is read. Unreadable directories are recorded,
 * never fatal: a permission glitch must not stop the other cases.
 */
export async function scanArchive(archiveRoot: string): Promise<ArchiveScan> {
  const root = path.resolve(archiveRoot);
  await assertDirectory(root);
  const unreadable: SkippedDir[] = [];
  // The synchronous walk: directory listings of a warm cache cost less than
  // the thread-pool round trip Bun makes for each asynchronous one.
  const entries = fg.sync(["**"], {
    cwd: root,
    onlyDirectories: true,
    followSymbolicLinks: false,
    dot: true,
    suppressErrors: true,
    fs: { readdirSync: prunedReaddirSync(root, unreadable) as typeof fs.readdirSync },
  });

  const byCase = new Map<string, ExecutionDir[]>();
  for (const relative of entries) {
    const name = path.posix.basename(relative);
    if (!EXECUTION_DIR_PATTERN.test(name)) continue;
    const caseRelative = path.posix.dirname(relative);
    // Such a path cannot be opened, nor sent as case_path, faithfully.
    if (!isWellFormed(caseRelative)) {
      if (!unreadable.some((u) => u.path === caseRelative)) unreadable.push({ path: caseRelative, reason: "name is not valid UTF-8" });
      continue;
    }
    const list = byCase.get(caseRelative) ?? [];
    list.push({ id: name, path: path.join(root, relative) });
    byCase.set(caseRelative, list);
  }

  const rootBasename = path.basename(root);
  const limit = pLimit(16);
  const cases = await Promise.all(
    [...byCase].map(([caseRelative, executions]) =>
      limit(async (): Promise<CaseScan> => {
        const walked = caseRelative === "." ? root : path.join(root, caseRelative);
        // SimBoard stores the symlink-resolved path, as upstream's runner sends it.
        const casePath = await realpath(walked).catch(() => walked);
        executions.sort((a, b) => compare(a.id, b.id));
        return { casePath, walkedPath: walked, displayPath: caseRelative, identity: caseIdentity(casePath, rootBasename), executions };
      }),
    ),
  );
  cases.sort((a, b) => compare(a.casePath, b.casePath));
  unreadable.sort((a, b) => compare(a.path, b.path));
  return { root, cases, unreadable };
}

async function assertDirectory(root: string): Promise<void> {
  let info;
  try {
    info = await stat(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ConfigError(
      code === "ENOENT"
        ? `archiveRoot: ${root} does not exist; check PERF_ARCHIVE_ROOT / --archive-root`
        : `archiveRoot: ${root} cannot be read (${code}); check its permissions`,
    );
  }
  if (!info.isDirectory()) throw new ConfigError(`archiveRoot: ${root} is not a directory`);
  try {
    await fs.promises.access(root, fs.constants.R_OK | fs.constants.X_OK);
  } catch {
    throw new ConfigError(`archiveRoot: ${root} cannot be read (EACCES); check its permissions`);
  }
}

/**
 * The walk's directory reader. An execution directory reads as empty, so the
 * walk yields it but never lists what is inside (fast-glob's `ignore` would
 * drop the directory itself). fast-glob swallows readdir errors when told
 * to; this records which directories failed first.
 */
function prunedReaddirSync(root: string, unreadable: SkippedDir[]) {
  return (dir: string, options: { withFileTypes: true }): fs.Dirent[] => {
    if (EXECUTION_DIR_PATTERN.test(path.basename(dir))) return [];
    try {
      return fs.readdirSync(dir, options);
    } catch (error) {
      const err = error as NodeJS.ErrnoException;
      const relative = path.relative(root, path.resolve(root, dir)) || ".";
      unreadable.push({ path: relative, reason: isWellFormed(relative) ? `cannot be read (${err.code ?? err.message})` : "name is not valid UTF-8" });
      throw error;
    }
  };
}
