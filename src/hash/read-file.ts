import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { Hasher } from "./xxh64.ts";

/**
 * Synchronous reads on purpose: these files sit in the page cache and are
 * small; Bun hands each async fs call to a thread pool, which cost more than
 * the read itself (a futex, an eventfd write and an epoll wake per call).
 */
const chunk = Buffer.allocUnsafe(1 << 20);

/** Feeds a file of any size to the hasher through one reused buffer; returns the bytes read. */
export function hashFileInto(hasher: Hasher, file: string): number {
  const fd = openSync(file, "r");
  try {
    let total = 0;
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) return total;
      hasher.update(chunk.subarray(0, n));
      total += n;
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
    // A regular file reads short only at its end, so one read usually says it all.
    const n = readSync(fd, chunk, 0, chunk.length, null);
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
