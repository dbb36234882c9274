import { createWriteStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { create } from "tar";
import type { CaseManifest } from "./case-manifest.ts";

/**
 * node-tar writes a hardlink member whenever two packed paths share an inode
 * (even with `follow`), and SimBoard rejects hardlink members with 409. A
 * link cache that never remembers makes every path a regular file.
 */
class NoHardlinks extends Map<`${number}:${number}`, string> {
  override set(): this {
    return this;
  }
}

export interface PackedArchive {
  path: string;
  bytes: number;
  executionIds: string[];
}

/** A fixed member mtime keeps archives of unchanged content byte-identical. */
const MEMBER_MTIME = new Date(0);

/**
 * Writes `<case>/` plus the given executions' manifest entries to a tar.gz.
 * Only entries of the manifest are packed (no directory recursion), and
 * symlinked files in it were vetted to point inside their execution, so
 * following them yields regular-file members only.
 */
export async function packArchive(manifest: CaseManifest, executionIds: readonly string[], destination: string, gzipLevel: number): Promise<PackedArchive> {
  const wanted = new Set(executionIds);
  const members = manifest.entries
    .filter((entry) => entry.executionId === undefined || wanted.has(entry.executionId))
    .map((entry) => entry.archivePath);
  const stream = create(
    {
      cwd: path.dirname(manifest.casePath),
      gzip: { level: gzipLevel },
      portable: true,
      noDirRecurse: true,
      follow: true,
      mtime: MEMBER_MTIME,
      linkCache: new NoHardlinks(),
      strict: true,
    },
    members,
  );
  await pipeline(stream, createWriteStream(destination, { mode: 0o600 }));
  const { size } = await stat(destination);
  return { path: destination, bytes: size, executionIds: [...executionIds] };
}
