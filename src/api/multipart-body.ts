import { FormDataEncoder, type FormDataLike } from "form-data-encoder";
import type { StagedArchive } from "../pack/gzip-sink.ts";

/**
 * A staged archive's part, read from disk each time the body is encoded. form-data-encoder
 * recognises files by shape; Bun's own FormData would turn a disk-backed
 * file into an in-memory one.
 */
class DiskFile {
  readonly type = "application/gzip";
  readonly size: number;

  constructor(
    readonly path: string,
    readonly name: string,
  ) {
    this.size = Bun.file(path).size;
  }

  get [Symbol.toStringTag]() {
    return "File";
  }

  stream(): ReadableStream<Uint8Array> {
    return Bun.file(this.path).stream();
  }
}

/** A small archive already in memory, in the same shape. */
class MemoryFile {
  readonly type = "application/gzip";
  readonly size: number;

  constructor(
    readonly data: Uint8Array,
    readonly name: string,
  ) {
    this.size = data.length;
  }

  get [Symbol.toStringTag]() {
    return "File";
  }

  stream(): ReadableStream<Uint8Array> {
    const { data } = this;
    return new ReadableStream({
      start(controller) {
        controller.enqueue(data);
        controller.close();
      },
    });
  }
}

/** The ordered parts of one request, in the shape form-data-encoder reads. */
class Parts {
  readonly #entries: Array<[string, string | DiskFile | MemoryFile]> = [];

  get [Symbol.toStringTag]() {
    return "FormData";
  }

  append(name: string, value: string | DiskFile | MemoryFile): void {
    this.#entries.push([name, value]);
  }

  getAll(name: string) {
    return this.#entries.filter(([key]) => key === name).map(([, value]) => value);
  }

  entries() {
    return this.#entries[Symbol.iterator]();
  }

  [Symbol.iterator]() {
    return this.entries();
  }
}

export interface MultipartBody {
  body: ReadableStream<Uint8Array>;
  headers: { "content-type": string; "content-length": string };
}

/**
 * Streams text parts then the archive with a known Content-Length: a staged
 * archive is read from disk by every attempt, never held in memory; a small
 * one already in memory is sent from there.
 */
export function multipartBody(fields: Array<[string, string]>, file: { field: string; archive: StagedArchive; filename: string }): MultipartBody {
  const parts = new Parts();
  for (const [name, value] of fields) parts.append(name, value);
  const { archive } = file;
  parts.append(file.field, archive.data !== undefined ? new MemoryFile(archive.data, file.filename) : new DiskFile(archive.path, file.filename));
  const encoder = new FormDataEncoder(parts as unknown as FormDataLike);
  return {
    body: streamOf(encoder.encode()),
    headers: { "content-type": encoder.contentType, "content-length": String(encoder.contentLength) },
  };
}

/**
 * form-data-encoder yields each boundary, header and value as its own small
 * chunk, and each chunk costs the HTTP client a hand-off and a send: they
 * are joined into pieces of up to 64 KiB.
 */
function streamOf(chunks: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  return new ReadableStream({
    async pull(controller) {
      const pending: Uint8Array[] = [];
      let size = 0;
      while (size < PIECE) {
        const { value, done } = await iterator.next();
        if (done) {
          if (size > 0) controller.enqueue(join(pending, size));
          controller.close();
          return;
        }
        pending.push(value);
        size += value.length;
      }
      controller.enqueue(join(pending, size));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

const PIECE = 64 * 1024;

function join(pieces: Uint8Array[], size: number): Uint8Array {
  return pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, size);
}
