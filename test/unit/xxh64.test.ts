import { expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { hexDigest, loadHasher, newBufferedHasher, newHasher } from "../../src/hash/xxh64.ts";

test("a buffered digest equals the streaming one over the same strings and bytes, however large", async () => {
  await loadHasher();
  const pieces: Array<string | Uint8Array> = ["file\0CaseDocs/env_case.xml.1.gz\0", randomBytes(300), "\u0000300\u0000", "é ü ∑ 𝄞\0", randomBytes(200 * 1024), "", new Uint8Array(0), "dir\0x\0"];
  const streaming = newHasher();
  const buffered = newBufferedHasher();
  for (const piece of pieces) {
    streaming.update(piece);
    buffered.update(piece);
  }
  expect(hexDigest(buffered)).toBe(hexDigest(streaming));
  // Past 1 MiB the buffer is let go after the digest: taking it again gives the same value.
  const large = newBufferedHasher();
  const largeReference = newHasher();
  const bytes = randomBytes(2 * 1024 * 1024 + 3);
  large.update(bytes);
  largeReference.update(bytes);
  expect(hexDigest(large)).toBe(hexDigest(largeReference));
  expect(hexDigest(large)).toBe(hexDigest(largeReference));
  expect(() => large.update("more")).toThrow("after it was taken");
  const again = newBufferedHasher();
  again.update("dir\0case\0");
  const reference = newHasher();
  reference.update("dir\0case\0");
  expect(hexDigest(again)).toBe(hexDigest(reference));
});

test("two buffered digests may not interleave: the older one throws instead of mixing", () => {
  const older = newBufferedHasher();
  older.update("a");
  const newer = newBufferedHasher();
  newer.update("b");
  expect(() => older.update("c")).toThrow("interleaved");
  expect(() => older.digest()).toThrow("interleaved");
  expect(newer.digest()).toBe(Bun.hash.xxHash64("b"));
});
