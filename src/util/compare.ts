/**
 * JavaScript's string order (UTF-16 code units), not locale order: stable
 * across machines, and the same as code-point order for every character
 * below U+10000, so for the ASCII IDs SimBoard sorts. Plan and pack both
 * sort with it, which is all the digests need.
 */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
