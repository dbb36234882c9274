/**
 * What SimBoard's extraction leaves on disk, kept in memory: it first refuses
 * members whose path escapes the extraction directory, then extracts in member
 * order through a filter that admits only regular files and directories.
 */
import type { TarMember } from "./tar-reader.ts";
import { ReplyError, detail } from "./replies.ts";

/** Stands in for SimBoard's temporary extraction directory in messages. */
export const EXTRACTION_ROOT = "/tmp/simboard-extract";

export interface ArchiveTree {
  files: Map<string, Uint8Array>;
  /** every directory, explicit or implied by a deeper member; "" is the root */
  dirs: Set<string>;
  /** directory → child name → is a directory */
  children: Map<string, Map<string, boolean>>;
}

export function extractTree(members: TarMember[]): ArchiveTree {
  const normalized = members.map((m) => {
    const path = normalizeInside(m.path);
    if (path === undefined) {
      throw new ReplyError(detail(409, `Archive member path escapes extraction directory: ${m.path} -> ${m.path.startsWith("/") ? m.path : `${EXTRACTION_ROOT}/${m.path}`}`));
    }
    return { ...m, path };
  });
  const tree: ArchiveTree = { files: new Map(), dirs: new Set([""]), children: new Map() };
  for (const m of normalized) {
    if (m.type !== "file" && m.type !== "directory") {
      throw new ReplyError(detail(409, `Blocked unsafe tar member type: ${m.path}`));
    }
    addParents(tree, m.path);
    if (m.type === "directory") tree.dirs.add(m.path);
    else tree.files.set(m.path, m.data);
  }
  for (const d of tree.dirs) if (d !== "") addChild(tree, d, true);
  for (const f of tree.files.keys()) if (!tree.dirs.has(f)) addChild(tree, f, false);
  return tree;
}

/** Immediate children of `dir`, sorted, each marked file or directory. */
export function listDir(tree: ArchiveTree, dir: string): { name: string; path: string; isDir: boolean }[] {
  const prefix = dir === "" ? "" : `${dir}/`;
  return [...(tree.children.get(dir) ?? [])].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, isDir]) => ({ name, path: prefix + name, isDir }));
}

/** Path relative to the extraction root, or undefined when it would land outside it. */
function normalizeInside(path: string): string | undefined {
  if (path.startsWith("/")) return undefined;
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(part);
  }
  return parts.join("/");
}

function addChild(tree: ArchiveTree, path: string, isDir: boolean): void {
  const slash = path.lastIndexOf("/");
  const parent = slash === -1 ? "" : path.slice(0, slash);
  let entries = tree.children.get(parent);
  if (!entries) tree.children.set(parent, (entries = new Map()));
  entries.set(path.slice(slash + 1), isDir);
}

function addParents(tree: ArchiveTree, path: string): void {
  const parts = path.split("/");
  for (let i = 1; i < parts.length; i++) tree.dirs.add(parts.slice(0, i).join("/"));
}
