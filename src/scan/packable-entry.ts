import type { Dirent } from "node:fs";
import { realpathSync, statSync } from "node:fs";
import path from "node:path";
import { isWellFormed } from "./well-formed-name.ts";

export type PackableEntry = { kind: "file"; viaSymlink: boolean } | { kind: "dir" } | { kind: "skip"; reason: string };

/**
 * Decides how a directory entry may travel to SimBoard, which refuses
 * symlink and hardlink members (409): regular files and directories go as
 * they are; a symlinked file goes as a regular file only when its target lies
 * inside the execution directory; everything else is skipped with a reason.
 * The execution's real path is asked for only when a symlink needs it.
 */
export function classifyEntry(absolutePath: string, dirent: Dirent, executionRealPath: () => string): PackableEntry {
  if (!isWellFormed(dirent.name)) return { kind: "skip", reason: "name is not valid UTF-8" };
  if (dirent.isDirectory()) return { kind: "dir" };
  if (dirent.isFile()) return { kind: "file", viaSymlink: false };
  if (dirent.isSymbolicLink()) {
    let target: string;
    try {
      target = realpathSync(absolutePath);
    } catch {
      return { kind: "skip", reason: "broken symlink or symlink loop" };
    }
    if (!isInside(target, executionRealPath())) return { kind: "skip", reason: "symlink pointing outside the execution directory" };
    const info = statSync(target, { throwIfNoEntry: false });
    if (!info?.isFile()) return { kind: "skip", reason: "symlink to something other than a regular file" };
    return { kind: "file", viaSymlink: true };
  }
  return { kind: "skip", reason: "not a regular file (socket, FIFO or device)" };
}

export function isInside(target: string, directory: string): boolean {
  const relative = path.relative(directory, target);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}

/** realpath is a syscall per path component; most executions hold no symlink and never need it. */
export function lazyRealpath(directory: string): () => string {
  let real: string | undefined;
  return () => (real ??= realpathSync(directory));
}
