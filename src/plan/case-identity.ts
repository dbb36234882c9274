/**
 * Upstream's case identity: the path components after the first one equal to
 * the scan root's basename, joined by `/`; the whole path when there is none.
 * It lets state written from another mount of the same archive (NERSC path
 * ingestion, upstream's runner) match local cases.
 */
export function caseIdentity(casePath: string, rootBasename: string): string {
  const parts = casePath.split("/").filter((part) => part !== "");
  const index = parts.indexOf(rootBasename);
  if (index === -1 || index === parts.length - 1) return casePath;
  return parts.slice(index + 1).join("/");
}
