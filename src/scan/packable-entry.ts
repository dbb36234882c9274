import type { Dirent } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { isWellFormed } from "./well-formed-name.ts";

export type PackableEntry =
  | { kind: "file"; size: number; viaSymlink: boolean }
  | { kind: "dir" }
  | { kind: "skip"; reason: string };

/**
 * Decides how a directory entry may travel to SimBoard, which refuses
 * symlink and hardlink members (409): regular files and directories go as
 * they are; a symlinked file goes as a regular file only when its target lies
 * inside the execution directory; everything else is skipped with a reason.
 */
export async function classifyEntry(absolutePath: string, dirent: Dirent, executionRealPath: string): Promise<PackableEntry> {
  if (!isWellFormed(dirent.name)) return { kind: "skip", reason: "name is not valid UTF-8" };
  if (dirent.isDirectory()) return { kind: "dir" };
  if (dirent.isFile()) {
    const info = await stat(absolutePath).catch(() => undefined);
    return info ? { kind: "file", size: info.size, viaSymlink: false } : { kind: "skip", reason: "vanished while reading" };
  }
  if (dirent.isSymbolicLink()) {
    const target = await realpath(absolutePath).catch(() => undefined);
    if (target === undefined) return { kind: "skip", reason: "broken symlink or symlink loop" };
    if (!isInside(target, executionRealPath)) return { kind: "skip", reason: "symlink pointing outside the execution directory" };
    const info = await stat(target).catch(() => undefined);
    if (!info?.isFile()) return { kind: "skip", reason: "symlink to something other than a regular file" };
    return { kind: "file", size: info.size, viaSymlink: true };
  }
  return { kind: "skip", reason: "not a regular file (socket, FIFO or device)" };
}

export function isInside(target: string, directory: string): boolean {
  const relative = path.relative(directory, target);
  return relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative);
}
