import { open, readFile } from "node:fs/promises";
import { gunzipSync } from "node:zlib";
import type { ExecutionDir } from "./archive-scan.ts";
import { locateMetadata, type MetadataFile } from "./locate-metadata.ts";
import { LID_LINE, METADATA_SPECS } from "./metadata-files.ts";

export type ExecutionCheck =
  | { id: string; status: "valid"; files: MetadataFile[] }
  | { id: string; status: "incomplete" | "invalid" | "unreadable"; reason: string };

/** Timing files are small; one far larger than this is not a timing file. */
const MAX_TIMING_BYTES = 64 * 1024 * 1024;

/**
 * Checks an execution as SimBoard's parser will read it. The server skips
 * incomplete and invalid executions silently yet still records their IDs as
 * processed, so only executions that pass here may ever be sent.
 */
export async function validateExecution(execution: ExecutionDir): Promise<ExecutionCheck> {
  const id = execution.id;
  let located;
  try {
    located = await locateMetadata(execution.path);
  } catch (error) {
    return { id, status: "unreadable", reason: `cannot read the directory (${(error as NodeJS.ErrnoException).code ?? error})` };
  }
  const files: MetadataFile[] = [];
  const missing: string[] = [];
  for (const spec of METADATA_SPECS) {
    const found = located.matches.get(spec.key) ?? [];
    if (found.length > 1) {
      return { id, status: "invalid", reason: `${found.length} files match ${spec.key} (${found.map((f) => f.relativePath).join(", ")})` };
    }
    if (found[0]) files.push(found[0]);
    else if (spec.required) missing.push(spec.key);
  }
  if (missing.length > 0) {
    const skipped = located.unpackable.map((u) => `${u.relativePath}: ${u.reason}`);
    return { id, status: "incomplete", reason: `missing ${missing.join(", ")}${skipped.length ? ` (not packable: ${skipped.join("; ")})` : ""}` };
  }
  for (const file of files) {
    if (!file.relativePath.endsWith(".gz") || file.key === "e3sm_timing") continue;
    if (!(await hasGzipMagic(file.absolutePath))) {
      // One broken gzip file makes SimBoard fail the whole request with a 500.
      return { id, status: "invalid", reason: `${file.relativePath} is named .gz but is not gzip` };
    }
  }
  const timing = files.find((f) => f.key === "e3sm_timing")!;
  const lidProblem = await checkTimingLid(timing);
  if (lidProblem) return { id, status: "incomplete", reason: lidProblem };
  return { id, status: "valid", files };
}

async function hasGzipMagic(file: string): Promise<boolean> {
  const handle = await open(file, "r").catch(() => undefined);
  if (!handle) return false;
  try {
    const buffer = Buffer.alloc(2);
    const { bytesRead } = await handle.read(buffer, 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

async function checkTimingLid(timing: MetadataFile): Promise<string | undefined> {
  if (timing.size > MAX_TIMING_BYTES) return `${timing.relativePath} is too large to be a timing file`;
  let raw: Buffer;
  try {
    raw = await readFile(timing.absolutePath);
  } catch (error) {
    return `cannot read ${timing.relativePath} (${(error as NodeJS.ErrnoException).code})`;
  }
  let text: string;
  try {
    text = (timing.relativePath.endsWith(".gz") ? gunzipSync(raw) : raw).toString("utf8");
  } catch {
    return `${timing.relativePath} is not valid gzip, so SimBoard cannot read its LID`;
  }
  const hasLid = text.split(/\r?\n/).some((line) => LID_LINE.test(line.trim()));
  return hasLid ? undefined : `no LID line in ${timing.relativePath}`;
}
