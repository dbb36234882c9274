import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { ExecutionContent } from "../hash/execution-content.ts";
import { fill } from "../hash/read-file.ts";
import { hexDigest, newHasher, type Hasher } from "../hash/xxh64.ts";
import type { CaseMembers } from "./case-members.ts";
import { giveBack, takeBlock } from "./block-pool.ts";
import { GzipSink, type Compression, type StagedArchive } from "./gzip-sink.ts";
import { memberHeader, padding, TAR_END } from "./tar-member.ts";
import { isCompressedData, type CompressedTally } from "../util/compressed-data.ts";

export type PackedArchive = StagedArchive & {
  executionIds: string[];
  /** Per execution, the digest of exactly the bytes packed (the plan's digest format). */
  contents: Map<string, ExecutionContent>;
};

/** A file changed size while it was being packed: the case is deferred to the next run. */
export class ChangedWhilePacking extends Error {
  readonly code = "ECHANGED";
}

/**
 * Packs `<case>/` plus the given executions into a tar.gz in one pass: each
 * file is opened and read once, and the same bytes go into the archive and
 * into the execution's digest, so the caller can compare what was packed
 * with what was planned. Members are directories and regular files only
 * (a symlinked file vetted to stay inside its execution is read through),
 * never links, which SimBoard refuses.
 */
export async function packArchive(members: CaseMembers, executionIds: readonly string[], destination: string, gzipLevel: number, compression?: Compression): Promise<PackedArchive> {
  const wanted = new Set(executionIds);
  const sink = new GzipSink(destination, gzipLevel, compression);
  const contents = new Map<string, ExecutionContent>();
  // This packer's own read buffer: the sink may hand it to zlib and await.
  const chunk = takeBlock();
  let clean = false;
  try {
    await sink.write(memberHeader(members.caseName, "dir", 0));
    for (const execution of members.executions) {
      if (!wanted.has(execution.id)) continue;
      const prefix = `${members.caseName}/${execution.id}`;
      await sink.write(memberHeader(prefix, "dir", 0));
      const hasher = newHasher();
      let bytes = 0;
      let fileCount = 0;
      const tally: CompressedTally = { compressedBytes: 0 };
      for (const entry of execution.entries) {
        hasher.update(`${entry.type}\0${entry.relativePath}\0`);
        if (entry.type === "dir") {
          await sink.write(memberHeader(`${prefix}/${entry.relativePath}`, "dir", 0));
          continue;
        }
        const size = await packFile(sink, chunk, `${prefix}/${entry.relativePath}`, entry.absolutePath, hasher, tally);
        hasher.update(`\0${size}\0`);
        bytes += size;
        fileCount++;
      }
      contents.set(execution.id, { digest: hexDigest(hasher), bytes, compressedBytes: tally.compressedBytes, fileCount, skipped: execution.skipped, entries: undefined });
    }
    await sink.write(TAR_END);
    const staged = await sink.finish();
    clean = true;
    return { ...staged, executionIds: [...executionIds], contents };
  } catch (error) {
    sink.abort();
    throw error;
  } finally {
    // After a failure zlib may still hold a view of it.
    if (clean) giveBack(chunk);
  }
}

/** Header, data, padding. A small file is read before its header is written, a large one is checked against its size. */
async function packFile(sink: GzipSink, chunk: Buffer, archivePath: string, file: string, hasher: Hasher, tally: CompressedTally): Promise<number> {
  const fd = openSync(file, "r");
  try {
    // Until full or at the end (see fill): a short read is not always the end.
    let n = fill(fd, chunk, 0);
    const compressed = isCompressedData(chunk, n);
    if (n < chunk.length) {
      if (compressed) tally.compressedBytes += n;
      const data = chunk.subarray(0, n);
      hasher.update(data);
      await sink.write(memberHeader(archivePath, "file", n));
      await sink.write(data, compressed);
      await sink.write(padding(n));
      return n;
    }
    const size = fstatSync(fd).size;
    await sink.write(memberHeader(archivePath, "file", size));
    let total = 0;
    while (n > 0) {
      if (total + n > size) throw new ChangedWhilePacking(`${file} grew while it was being packed`);
      const data = chunk.subarray(0, n);
      hasher.update(data);
      total += n;
      await sink.write(data, compressed);
      n = readSync(fd, chunk, 0, chunk.length, null);
    }
    if (total !== size) throw new ChangedWhilePacking(`${file} shrank while it was being packed`);
    if (compressed) tally.compressedBytes += size;
    await sink.write(padding(size));
    return size;
  } finally {
    closeSync(fd);
  }
}
