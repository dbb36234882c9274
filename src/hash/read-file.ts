import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { isCompressedData, type CompressedTally } from "../util/compressed-data.ts";
import type { DigestInput } from "./xxh64.ts";

/**
 * Synchronous reads on purpose: these files sit in the page cache and are
 * small; Bun hands each async fs call to a thread pool, which cost more than
 * the read itself (a futex, an eventfd write and an epoll wake per call).
 */
const chunk = Buffer.allocUnsafe(1 << 20);

/** Feeds a file of any size to the hasher through one reused buffer; returns the bytes read. */
export function hashFileInto(hasher: DigestInput, file: string, tally: CompressedTally): number {
  const fd = openSync(file, "r");
  try {
    let total = 0;
    let compressed = false;
    for (;;) {
      // Whole blocks: the first one decides "already compressed" as packing will.
      const n = fill(fd, chunk, 0);
      if (total === 0) compressed = isCompressedData(chunk, n);
      if (n > 0) hasher.update(chunk.subarray(0, n));
      total += n;
      if (n < chunk.length) {
        if (compressed) tally.compressedBytes += total;
        return total;
      }
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a whole small file, refusing anything larger than `limit` bytes. The
 * result is a view of a shared buffer, valid until the next call: callers
 * check and digest it at once, so metadata files cost no allocation and no
 * fstat. A file that outgrows the shared buffer gets one of its own.
 */
export function readSmallFile(file: string, limit: number): Buffer | { tooLarge: number } {
  const fd = openSync(file, "r");
  try {
    const n = fill(fd, chunk, 0);
    return n < chunk.length ? chunk.subarray(0, n) : readRest(fd, n, limit);
  } finally {
    closeSync(fd);
  }
}

function readRest(fd: number, already: number, limit: number): Buffer | { tooLarge: number } {
  const { size } = fstatSync(fd);
  if (size > limit) return { tooLarge: size };
  const buffer = Buffer.allocUnsafe(Math.max(size, already));
  chunk.copy(buffer, 0, 0, already);
  let offset = already;
  while (offset < buffer.length) {
    const n = readSync(fd, buffer, offset, buffer.length - offset, null);
    if (n === 0) break;
    offset += n;
  }
  return buffer.subarray(0, offset);
}

/**
 * Reads into `buffer` from `offset` until it is full or the file ends. A
 * short read means the end on local and parallel filesystems, but not on
 * every FUSE mount; taking it for the end there would digest, and send, a
 * truncated file. The confirming read costs one system call per file.
 */
export function fill(fd: number, buffer: Buffer, offset: number): number {
  let filled = offset;
  while (filled < buffer.length) {
    const n = readSync(fd, buffer, filled, buffer.length - filled, null);
    if (n === 0) break;
    filled += n;
  }
  return filled;
}
