import xxhash from "xxhash-wasm";

type Api = Awaited<ReturnType<typeof xxhash>>;
export type Hasher = ReturnType<Api["create64"]>;

let api: Api | undefined;

/** The wasm module loads asynchronously once; every digest after that is synchronous. */
export async function loadHasher(): Promise<void> {
  api ??= await xxhash();
}

export function newHasher(): Hasher {
  if (!api) throw new Error("loadHasher() must run before hashing");
  return api.create64();
}

export function hexDigest(hasher: Hasher): string {
  return hasher.digest().toString(16).padStart(16, "0");
}
