import { closeSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { createGzip, gzipSync, type Gzip } from "node:zlib";
import { giveBack, takeBlock } from "./block-pool.ts";

/** Compressed archives up to this size stay in memory; larger ones are staged on disk. */
export const IN_MEMORY_LIMIT = 1 << 20;

/** A packed archive, in memory (small) or in a private staging file (large). */
export type StagedArchive = { bytes: number } & ({ data: Buffer; path?: undefined } | { path: string; data?: undefined });

/**
 * Gzips a tar stream with bounded memory. A tar that fits one block is
 * compressed in one call and, when small enough, kept in memory: most cases
 * are a few kilobytes, and a file plus a streaming compressor per case cost
 * more than packing them. A larger tar streams through zlib into the
 * staging file. Bytes handed to zlib are not copied: each write is awaited
 * until zlib has consumed it, so the block (or the caller's read buffer) can
 * be reused at once.
 */
export class GzipSink {
  readonly #destination: string;
  readonly #level: number;
  #block: Buffer | undefined = takeBlock();
  #used = 0;
  #stream: { gzip: Gzip; fd: number; written: Promise<number> } | undefined;

  constructor(destination: string, level: number) {
    this.#destination = destination;
    this.#level = level;
  }

  /**
   * Takes the bytes: copied into the block when they fit (no promise), or
   * delivered to zlib, in which case the caller awaits the promise before
   * reusing its buffer.
   */
  write(bytes: Uint8Array): Promise<void> | undefined {
    const block = (this.#block ??= takeBlock());
    if (this.#used + bytes.length <= block.length) {
      block.set(bytes, this.#used);
      this.#used += bytes.length;
      return undefined;
    }
    return this.#spill(bytes);
  }

  async finish(): Promise<StagedArchive> {
    try {
      if (!this.#stream) {
        const data = gzipSync(this.#block!.subarray(0, this.#used), { level: this.#level });
        if (data.length <= IN_MEMORY_LIMIT) return { data, bytes: data.length };
        writeFileSync(this.#destination, data, { mode: 0o600 });
        return { path: this.#destination, bytes: data.length };
      }
      const { gzip, fd, written } = this.#stream;
      await this.#deliver(this.#block!.subarray(0, this.#used));
      gzip.end();
      try {
        return { path: this.#destination, bytes: await written };
      } finally {
        closeSync(fd);
        this.#stream = undefined;
      }
    } finally {
      this.#release();
    }
  }

  /** Drops whatever was written: packing failed or the case changed. */
  abort(): void {
    const stream = this.#stream;
    this.#stream = undefined;
    if (stream) {
      stream.written.catch(() => {});
      stream.gzip.destroy();
      closeSync(stream.fd);
      rmSync(this.#destination, { force: true });
    }
    // A destroyed stream may still hold the block: it is not reused.
    this.#block = undefined;
  }

  async #spill(bytes: Uint8Array): Promise<void> {
    await this.#deliver(this.#block!.subarray(0, this.#used));
    this.#used = 0;
    if (bytes.length <= this.#block!.length / 2) {
      this.#block!.set(bytes, 0);
      this.#used = bytes.length;
    } else {
      await this.#deliver(bytes);
    }
  }

  #deliver(bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) return Promise.resolve();
    const { gzip } = (this.#stream ??= this.#open());
    return new Promise((resolve, reject) => gzip.write(bytes, (error) => (error ? reject(error) : resolve())));
  }

  #release(): void {
    if (this.#block) giveBack(this.#block);
    this.#block = undefined;
    this.#used = 0;
  }

  #open() {
    const fd = openSync(this.#destination, "w", 0o600);
    // Large output chunks: one write per chunk, nothing to join.
    const gzip = createGzip({ level: this.#level, chunkSize: 256 * 1024 });
    return { gzip, fd, written: writeAll(gzip, fd) };
  }
}

async function writeAll(source: AsyncIterable<Buffer>, fd: number): Promise<number> {
  let total = 0;
  for await (const chunk of source) {
    writeSync(fd, chunk);
    total += chunk.length;
  }
  return total;
}
