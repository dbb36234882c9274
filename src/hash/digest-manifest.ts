import { createReadStream } from "node:fs";
import xxhash from "xxhash-wasm";
import type { CaseManifest } from "../pack/case-manifest.ts";

let hasher: Awaited<ReturnType<typeof xxhash>> | undefined;

/**
 * xxhash64 over exactly what will be packed: for each member in archive
 * order its type, path and size, then its content. Two digests of the same
 * case differ iff a packed byte, name or size changed in between.
 */
export async function digestManifest(manifest: CaseManifest): Promise<string> {
  hasher ??= await xxhash();
  const state = hasher.create64();
  for (const entry of manifest.entries) {
    state.update(`${entry.type}\0${entry.archivePath}\0${entry.size}\0`);
    if (entry.type !== "file") continue;
    let read = 0;
    for await (const chunk of createReadStream(entry.absolutePath, { highWaterMark: 1 << 20 })) {
      read += (chunk as Buffer).length;
      state.update(chunk as Buffer);
    }
    // A file still being written reads longer or shorter than listed.
    if (read !== entry.size) state.update(`\0size-now:${read}`);
  }
  return state.digest().toString(16).padStart(16, "0");
}
