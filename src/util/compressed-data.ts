/** gzip, bzip2, xz and zstd files start with these bytes; their content does not shrink again. */
const MAGIC = [[0x1f, 0x8b], [0x42, 0x5a, 0x68], [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], [0x28, 0xb5, 0x2f, 0xfd]];

/** Whether a file whose first `length` bytes are these is already-compressed data. */
export function isCompressedData(bytes: Uint8Array, length: number): boolean {
  return MAGIC.some((magic) => length >= magic.length && magic.every((b, i) => bytes[i] === b));
}

/** What a file read reports besides its bytes: how many of them were already compressed. */
export interface CompressedTally {
  compressedBytes: number;
}
