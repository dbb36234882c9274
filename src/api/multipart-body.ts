import { FormDataEncoder, type FormDataLike } from "form-data-encoder";

/**
 * A file part read from disk each time the body is encoded. form-data-encoder
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

/** The ordered parts of one request, in the shape form-data-encoder reads. */
class Parts {
  readonly #entries: Array<[string, string | DiskFile]> = [];

  get [Symbol.toStringTag]() {
    return "FormData";
  }

  append(name: string, value: string | DiskFile): void {
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
 * Streams text parts then the archive with a known Content-Length, so an
 * upload never holds its archive in memory and every attempt re-reads the
 * same staged bytes.
 */
export function multipartBody(fields: Array<[string, string]>, file: { field: string; path: string; filename: string }): MultipartBody {
  const parts = new Parts();
  for (const [name, value] of fields) parts.append(name, value);
  parts.append(file.field, new DiskFile(file.path, file.filename));
  const encoder = new FormDataEncoder(parts as unknown as FormDataLike);
  return {
    body: streamOf(encoder.encode()),
    headers: { "content-type": encoder.contentType, "content-length": String(encoder.contentLength) },
  };
}

function streamOf(chunks: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> {
  const iterator = chunks[Symbol.asyncIterator]();
  return new ReadableStream({
    async pull(controller) {
      const { value, done } = await iterator.next();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}
