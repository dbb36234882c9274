import xxhash from "xxhash-wasm";

type Api = Awaited<ReturnType<typeof xxhash>>;
export type Hasher = ReturnType<Api["create64"]>;

/** What a digest is fed: a streaming hasher, or a buffered one. */
export interface DigestInput {
  update(data: string | Uint8Array): unknown;
  digest(): bigint;
}

let api: Api | undefined;

/** The wasm module loads asynchronously once; every digest after that is synchronous. */
export async function loadHasher(): Promise<void> {
  api ??= await xxhash();
}

/** Streaming xxh64, for content of any size (whole files read in blocks). */
export function newHasher(): Hasher {
  if (!api) throw new Error("loadHasher() must run before hashing");
  return api.create64();
}

const SMALL = 64 * 1024;
let gathered = Buffer.allocUnsafe(SMALL);
let generation = 0;

/**
 * xxh64 of small inputs (metadata files, case digests): the bytes are
 * gathered in one reused buffer and hashed at once by Bun's native xxHash64,
 * which is the same value as streaming them. A streaming wasm hasher per
 * digest kept ~0.35 KB resident each: +21 MB for the 60,000 digests of a
 * 50,000-execution plan. One at a time per thread, used synchronously: a
 * newer one invalidates an older one, which then throws rather than mix.
 */
export function newBufferedHasher(): DigestInput {
  const mine = ++generation;
  let used = 0;
  let taken: bigint | undefined;
  const check = () => {
    if (mine !== generation) throw new Error("a buffered digest was interleaved with another");
  };
  return {
    update(data) {
      if (taken !== undefined) throw new Error("a buffered digest was updated after it was taken");
      check();
      // A UTF-8 string takes at most three bytes per UTF-16 unit.
      const room = used + (typeof data === "string" ? data.length * 3 : data.byteLength);
      if (room > gathered.length) {
        const bigger = Buffer.allocUnsafe(Math.max(room, gathered.length * 2));
        gathered.copy(bigger, 0, 0, used);
        gathered = bigger;
      }
      if (typeof data === "string") used += gathered.write(data, used);
      else {
        gathered.set(data, used);
        used += data.byteLength;
      }
      return this;
    },
    digest() {
      if (taken !== undefined) return taken;
      check();
      taken = Bun.hash.xxHash64(gathered.subarray(0, used));
      // One very large metadata file must not keep its size for the rest of the run.
      if (gathered.length > 16 * SMALL) gathered = Buffer.allocUnsafe(SMALL);
      return taken;
    },
  };
}

export function hexDigest(hasher: DigestInput): string {
  return hasher.digest().toString(16).padStart(16, "0");
}
