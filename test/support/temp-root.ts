/**
 * Preloaded for the whole suite: every temporary directory a test (or a
 * binary it runs) makes goes under one per-run root, removed at the end, so
 * repeated runs do not fill the machine's /tmp. SBU_KEEP_TMP=1 keeps it.
 */
import { afterAll } from "bun:test";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";

const root = mkdtempSync(path.join(os.tmpdir(), "sbu-test-run-"));
// Some tests run the binary as another user: the root is shared like /tmp (sticky, world-writable).
chmodSync(root, 0o1777);
process.env.TMPDIR = root;

afterAll(() => {
  if (process.env.SBU_KEEP_TMP !== "1") rmSync(root, { recursive: true, force: true });
});
