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

/** Reads a whole small file in one call, refusing anything larger than `limit` bytes. */
export function readSmallFile(file: string, limit: number): Buffer | { tooLarge: number } {
  const fd = openSync(file, "r");
  try {
    const { size } = fstatSync(fd);
    if (size > limit) return { tooLarge: size };
    const buffer = Buffer.allocUnsafe(size);
    let offset = 0;
    while (offset < size) {
      const n = readSync(fd, buffer, offset, size - offset, offset);
      if (n === 0) break;
      offset += n;
    }
    return offset === size ? buffer : buffer.subarray(0, offset);
  } finally {
    closeSync(fd);
  }
}
