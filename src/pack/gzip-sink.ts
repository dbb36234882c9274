import { once } from "node:events";
import { closeSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { createGzip, gzipSync, type Gzip } from "node:zlib";

/** Compressed archives up to this size stay in memory; larger ones are staged on disk. */
export const IN_MEMORY_LIMIT = 1 << 20;

/** tar bytes are handed to zlib, and gzip output to the disk, in blocks of this size. */
const BLOCK = 1 << 20;

/** A packed archive, in memory (small) or in a private staging file (large). */
export type StagedArchive = { bytes: number } & ({ data: Buffer; path?: undefined } | { path: string; data?: undefined });

/**
 * Gzips a tar stream with bounded memory. A tar that never fills a block is
 * compressed in one call and, when small enough, kept in memory: most cases
 * are a few kilobytes, and a file plus a streaming compressor per case cost
 * more than packing them. A larger tar streams through zlib into the
 * staging file, a block at a time.
 */
export class GzipSink {
  readonly #destination: string;
  readonly #level: number;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #stream: { gzip: Gzip; fd: number; written: Promise<number> } | undefined;

  constructor(destination: string, level: number) {
    this.#destination = destination;
    this.#level = level;
  }

  /** Copies the bytes (callers reuse their read buffer); true when a flush is due. */
  push(bytes: Uint8Array): boolean {
    if (bytes.length > 0) {
      this.#pending.push(Buffer.from(bytes));
      this.#pendingBytes += bytes.length;
    }
    return this.#pendingBytes >= BLOCK;
  }

  async flush(): Promise<void> {
    const stream = (this.#stream ??= this.#open());
    if (!stream.gzip.write(this.#take())) await once(stream.gzip, "drain");
  }

  async finish(): Promise<StagedArchive> {
    if (!this.#stream) {
      const data = gzipSync(this.#take(), { level: this.#level });
      if (data.length <= IN_MEMORY_LIMIT) return { data, bytes: data.length };
      writeFileSync(this.#destination, data, { mode: 0o600 });
      return { path: this.#destination, bytes: data.length };
    }
    const { gzip, fd, written } = this.#stream;
    gzip.end(this.#take());
    try {
      return { path: this.#destination, bytes: await written };
    } finally {
      closeSync(fd);
      this.#stream = undefined;
    }
  }

  /** Drops whatever was written: packing failed or the case changed. */
  abort(): void {
    this.#pending = [];
    this.#pendingBytes = 0;
    if (!this.#stream) return;
    const { gzip, fd, written } = this.#stream;
    this.#stream = undefined;
    written.catch(() => {});
    gzip.destroy();
    closeSync(fd);
    rmSync(this.#destination, { force: true });
  }

  #take(): Buffer {
    const data = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    return data;
  }

  #open() {
    const fd = openSync(this.#destination, "w", 0o600);
    const gzip = createGzip({ level: this.#level });
    return { gzip, fd, written: writeInBlocks(gzip, fd) };
  }
}

/** gzip hands out many small chunks; one write per block instead of one per chunk. */
async function writeInBlocks(source: AsyncIterable<Buffer>, fd: number): Promise<number> {
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
}
