import { createHash } from "node:crypto";
import path from "node:path";

/**
 * `<case>-<first 12 hex of sha256(case_path)>.tar.gz`, lower-cased: SimBoard
 * checks the suffix case-insensitively but its extractor then fails on an
 * upper-case one (409), and a `/` in the name is a 500. Characters a
 * multipart filename cannot carry safely become `_`.
 */
export function archiveFilename(casePath: string): string {
  const base = (path.basename(casePath) || "case").replace(/[^A-Za-z0-9._+-]/g, "_");
  const digest = createHash("sha256").update(casePath, "utf8").digest("hex").slice(0, 12);
  return `${base}-${digest}.tar.gz`.toLowerCase();
}
