/**
 * Names that are not valid UTF-8 reach JavaScript with U+FFFD in place of
 * the bad bytes, after which the path no longer names the file on disk.
 */
export function isWellFormed(name: string): boolean {
  return !name.includes("\uFFFD");
}
