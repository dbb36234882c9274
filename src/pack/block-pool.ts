/** The 1 MiB buffers packing reads into and collects tar bytes in. */
export const BLOCK = 1 << 20;

/**
 * Reused across cases: a run packs thousands of cases and each needs two
 * blocks only while it packs. A fresh megabyte per case left the allocator
 * holding tens of megabytes the garbage collector had not yet reclaimed.
 */
const free: Buffer[] = [];

export function takeBlock(): Buffer {
  return free.pop() ?? Buffer.allocUnsafe(BLOCK);
}

/** Only for a block nothing else still reads (not one a destroyed stream may hold). */
export function giveBack(block: Buffer): void {
  if (free.length < 16) free.push(block);
}
