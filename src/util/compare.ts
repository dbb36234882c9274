/** Code-point order, as SimBoard sorts IDs and as every listing here is sorted (not locale order). */
export const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
