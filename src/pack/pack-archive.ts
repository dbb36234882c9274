import { closeSync, openSync, writeSync } from "node:fs";
import path from "node:path";
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
      // node-tar reads each file with a buffer as large as the file (up to 16 MiB by default).
      maxReadSize: 1 << 20,
    },
    members,
  );
  const bytes = await writeInBlocks(stream, destination);
  return { path: destination, bytes, executionIds: [...executionIds] };
}

/** gzip hands out many small chunks; one write per megabyte instead of one per chunk. */
const BLOCK = 1 << 20;

async function writeInBlocks(source: AsyncIterable<Buffer>, destination: string): Promise<number> {
  const fd = openSync(destination, "w", 0o600);
  try {
    const pending: Buffer[] = [];
    let pendingBytes = 0;
    let total = 0;
    const flush = () => {
      if (pendingBytes === 0) return;
      writeSync(fd, pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes));
      total += pendingBytes;
      pending.length = 0;
      pendingBytes = 0;
    };
    for await (const chunk of source) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= BLOCK) flush();
    }
    flush();
    return total;
  } finally {
    closeSync(fd);
  }
}
