import { readdirSync } from "node:fs";
import { compareText } from "../util/compare.ts";
import { classifyEntry, lazyRealpath } from "../scan/packable-entry.ts";
import type { CompressedTally } from "../util/compressed-data.ts";
import { hashFileInto } from "./read-file.ts";
import { hexDigest, newHasher, type DigestInput } from "./xxh64.ts";

/** A member below an execution directory, as it will be packed. */
export interface ContentEntry {
  type: "dir" | "file";
  /** Path inside the execution directory, `/`-separated. */
  relativePath: string;
  absolutePath: string;
  /** Bytes read when digested (files). */
  size: number;
}

/** What one execution contributes to an upload: its digest and, when asked for, its members. */
export interface ExecutionContent {
  digest: string;
  bytes: number;
  /** Of `bytes`, those in files that are already compressed (gzip, bzip2, xz, zstd): packing picks its deflate strategy from this. */
  compressedBytes: number;
  fileCount: number;
  /** Entries left out because SimBoard cannot take them (links leaving the execution, sockets ...). */
  skipped: Array<{ relativePath: string; reason: string }>;
  /** The members to pack, sorted; only kept when the caller is about to pack. */
  entries: ContentEntry[] | undefined;
}

/** Archive order: members sorted by their path inside the execution. */
export const byPath = (a: { relativePath: string }, b: { relativePath: string }) => compareText(a.relativePath, b.relativePath);

/**
 * xxhash64 over exactly what will be packed, in archive order: each
 * member's type and path, and for files their content and size. `read`
 * feeds a file's bytes to the hasher (from a buffer already in hand, or from
 * disk) and returns how many there were.
 */
export function digestEntries(
  entries: Array<Omit<ContentEntry, "size">>,
  read: (entry: Omit<ContentEntry, "size">, hasher: DigestInput, tally: CompressedTally) => number,
  skipped: ExecutionContent["skipped"],
  keepEntries: boolean,
  hasher: DigestInput,
): ExecutionContent {
  const kept: ContentEntry[] = [];
  let bytes = 0;
  let fileCount = 0;
  const tally: CompressedTally = { compressedBytes: 0 };
  for (const entry of [...entries].sort(byPath)) {
    hasher.update(`${entry.type}\0${entry.relativePath}\0`);
    let size = 0;
    if (entry.type === "file") {
      size = read(entry, hasher, tally);
      hasher.update(`\0${size}\0`);
      bytes += size;
      fileCount++;
    }
    if (keepEntries) kept.push({ ...entry, size });
  }
  return { digest: hexDigest(hasher), bytes, compressedBytes: tally.compressedBytes, fileCount, skipped, entries: keepEntries ? kept : undefined };
}

/** `--pack full`: the whole execution directory, walked without following directory links. */
export function readWholeExecution(executionPath: string, keepEntries: boolean): ExecutionContent {
  const { entries, skipped } = wholeExecutionMembers(executionPath);
  return digestEntries(entries, (entry, hasher, tally) => hashFileInto(hasher, entry.absolutePath, tally), skipped, keepEntries, newHasher());
}

/** What `--pack full` packs of one execution: every packable entry, sorted. Listing only, no reads. */
export function wholeExecutionMembers(executionPath: string): { entries: Array<Omit<ContentEntry, "size">>; skipped: ExecutionContent["skipped"] } {
  const executionReal = lazyRealpath(executionPath);
  const entries: Array<Omit<ContentEntry, "size">> = [];
  const skipped: ExecutionContent["skipped"] = [];
  const walk = (directory: string, relative: string) => {
    for (const dirent of readdirSync(directory, { withFileTypes: true })) {
      const relativePath = relative ? `${relative}/${dirent.name}` : dirent.name;
      const absolutePath = `${directory}/${dirent.name}`;
      const entry = classifyEntry(absolutePath, dirent, executionReal);
      if (entry.kind === "skip") skipped.push({ relativePath, reason: entry.reason });
      else if (entry.kind === "file") entries.push({ type: "file", relativePath, absolutePath });
      else {
        entries.push({ type: "dir", relativePath, absolutePath });
        walk(absolutePath, relativePath);
      }
    }
  };
  walk(executionPath, "");
  skipped.sort(byPath);
  return { entries: entries.sort(byPath), skipped };
}
