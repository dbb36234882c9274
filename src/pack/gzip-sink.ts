import { closeSync, openSync, rmSync, writeFileSync, writeSync } from "node:fs";
import { constants, createGzip, gzipSync, type Gzip } from "node:zlib";
import { giveBack, takeBlock } from "./block-pool.ts";

/** A tar that fits one block and compresses to at most this size stays in memory; anything else is staged on disk. */
export const IN_MEMORY_LIMIT = 1 << 20;

/** A packed archive, in memory (small) or in a private staging file (large). */
export type StagedArchive = { bytes: number; compression: Compression } & ({ data: Buffer; path?: undefined } | { path: string; data?: undefined });

/**
 * How the tar is deflated, chosen by measurement (bench/RESULTS.md): most
 * members of an E3SM archive (logs, timing tarballs) are gzip files already
 * and do not shrink again; level 6 crawls through them at ~52 MB/s, level 1
 * makes them 5 % larger. When at least half the tar is already-compressed
 * data, the run-length strategy encodes only runs of equal bytes (tar
 * headers and padding) at ~200 MB/s, the same size as level 6 on such data;
 * a tar of small uncompressed files keeps level 6 (5 × smaller than
 * run-length).
 */
export type Compression = "deflate" | "rle";

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
  #stream: { gzip: Gzip; written: Promise<number>; compression: Compression } | undefined;
  /** The first error writing the staging file (a full disk, a quota): the one to report. */
  #failure: Error | undefined;
  /** Bytes seen, and how many of them were already-compressed file data. */
  #seen = 0;
  #seenCompressed = 0;
  /** Decided by the caller from the whole archive's planned content, when it knows it. */
  readonly #planned: Compression | undefined;

  constructor(destination: string, level: number, compression?: Compression) {
    this.#destination = destination;
    this.#level = level;
    this.#planned = compression;
  }

  /**
   * Takes the bytes: copied into the block when they fit (no promise), or
   * delivered to zlib, in which case the caller awaits the promise before
   * reusing its buffer.
   */
  write(bytes: Uint8Array, compressedData = false): Promise<void> | undefined {
    this.#seen += bytes.length;
    if (compressedData) this.#seenCompressed += bytes.length;
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
        const compression = this.#compression();
        const data = gzipSync(this.#block!.subarray(0, this.#used), this.#zlibOptions(compression));
        if (data.length <= IN_MEMORY_LIMIT) return { data, bytes: data.length, compression };
        try {
          writeFileSync(this.#destination, data, { mode: 0o600 });
        } catch (error) {
          rmSync(this.#destination, { force: true });
          throw stagingError(this.#destination, error);
        }
        return { path: this.#destination, bytes: data.length, compression };
      }
      const { gzip, written, compression } = this.#stream;
      try {
        await this.#deliver(this.#block!.subarray(0, this.#used));
        gzip.end();
        return { path: this.#destination, bytes: await written, compression };
      } catch (error) {
        this.abort();
        throw this.#failure ?? error;
      } finally {
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
      // The writer closes its descriptor once the stream has ended.
      stream.gzip.destroy();
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
    if (this.#failure) return Promise.reject(this.#failure);
    if (bytes.length === 0) return Promise.resolve();
    const { gzip } = (this.#stream ??= this.#open());
    return new Promise((resolve, reject) => gzip.write(bytes, (error) => (error ? reject(this.#failure ?? error) : resolve())));
  }

  #release(): void {
    if (this.#block) giveBack(this.#block);
    this.#block = undefined;
    this.#used = 0;
  }

  /**
   * Decided once (Bun's zlib does not switch strategies mid-stream): as
   * planned for the whole archive when the caller knows; otherwise from what
   * was seen when compression starts, the whole of a small tar or only the
   * first block of a large one, which may not be like the rest.
   */
  #compression(): Compression {
    return this.#planned ?? (this.#seenCompressed * 2 >= this.#seen ? "rle" : "deflate");
  }

  #zlibOptions(compression: Compression) {
    return compression === "rle" ? { level: this.#level, strategy: constants.Z_RLE } : { level: this.#level };
  }

  #open() {
    let fd: number;
    try {
      fd = openSync(this.#destination, "w", 0o600);
    } catch (error) {
      throw (this.#failure = stagingError(this.#destination, error));
    }
    const compression = this.#compression();
    // Large output chunks: one write per chunk, nothing to join.
    const gzip = createGzip({ ...this.#zlibOptions(compression), chunkSize: 256 * 1024 });
    const written = writeAll(gzip, fd, (error) => (this.#failure ??= stagingError(this.#destination, error)));
    // Handled here and rethrown where it is awaited: never an unhandled rejection.
    written.catch(() => {});
    return { gzip, written, compression };
  }
}

/** Writes the compressor's output to the descriptor it owns, recording a failure before the stream is torn down. */
async function writeAll(source: AsyncIterable<Buffer>, fd: number, onFailure: (error: unknown) => void): Promise<number> {
  let total = 0;
  try {
    for await (const chunk of source) {
      try {
        // A full disk shows first as a short write: write until all of it is out.
        for (let offset = 0; offset < chunk.length; ) {
          const n = writeSync(fd, chunk, offset);
          if (n <= 0) throw Object.assign(new Error("no progress writing"), { code: "EIO" });
          offset += n;
        }
      } catch (error) {
        onFailure(error);
        throw error;
      }
      total += chunk.length;
    }
    return total;
  } finally {
    closeSync(fd);
  }
}

/** The staging file could not be written: one line an operator can act on (ENOSPC, EDQUOT …). */
export class StagingError extends Error {
  constructor(
    readonly path: string,
    readonly code: string | undefined,
  ) {
    const hint = code === "ENOSPC" || code === "EDQUOT" ? "check the free space and quota of TMPDIR" : "check that TMPDIR exists, is writable and is not cleaned while a run is going";
    super(`cannot write the staging file ${path} (${code ?? "unknown error"}); ${hint}`);
  }
}

function stagingError(destination: string, error: unknown): StagingError {
  return new StagingError(destination, (error as NodeJS.ErrnoException).code);
}
