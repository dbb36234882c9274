import { digestEntries, type ContentEntry, type ExecutionContent } from "../hash/execution-content.ts";
import { newBufferedHasher } from "../hash/xxh64.ts";
import { readSmallFile } from "../hash/read-file.ts";
import type { ExecutionDir } from "./archive-scan.ts";
import { locateMetadata, type MetadataFile } from "./locate-metadata.ts";
import { LID_LINE, METADATA_SPECS } from "./metadata-files.ts";
import { hasRequiredValues, missingValues } from "./metadata-values.ts";
import { isCompressedData } from "../util/compressed-data.ts";

export type ExecutionCheck =
  | ({ id: string; status: "valid" } & ExecutionContent)
  | { id: string; status: "incomplete" | "invalid" | "unreadable"; reason: string };

export interface ValidationOptions {
  /** Keep the member list (just before packing); planning keeps digests only. */
  keepEntries: boolean;
  /** `--hpc-username` is set, so an env_case without REALUSER still has an owner. */
  ownerFallback: boolean;
}

/** Metadata files are kilobytes; one far larger than this is not what SimBoard expects. */
const MAX_METADATA_BYTES = 64 * 1024 * 1024;

/**
 * Checks an execution as SimBoard's parser will read it. The server skips
 * incomplete and invalid executions silently yet still records their IDs as
 * processed, so only executions that pass here may ever be sent. Each
 * metadata file is read once: the same bytes are checked and digested, and
 * the digest is of exactly what `--pack metadata` packs.
 */
export function validateExecution(execution: ExecutionDir, options: ValidationOptions): ExecutionCheck {
  const id = execution.id;
  try {
    return check(execution, options);
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    return { id, status: "unreadable", reason: `cannot read ${err.path ? `${err.path} ` : "the directory "}(${err.code ?? err.message})` };
  }
}

/** What `--pack metadata` packs of one execution, or why SimBoard would not take it. */
export type MetadataMembers =
  | { ok: true; entries: Array<Omit<ContentEntry, "size">>; keyOf: Map<string, string>; skipped: ExecutionContent["skipped"] }
  | { ok: false; status: "incomplete" | "invalid"; reason: string };

/**
 * The metadata files SimBoard will read, one per key, plus the directories
 * that hold them: the members `--pack metadata` packs. Listing only, no reads.
 */
export function metadataMembers(executionPath: string): MetadataMembers {
  const located = locateMetadata(executionPath);
  const files: MetadataFile[] = [];
  const missing: string[] = [];
  for (const spec of METADATA_SPECS) {
    const found = located.matches.get(spec.key) ?? [];
    if (found.length > 1) {
      return { ok: false, status: "invalid", reason: `${found.length} files match ${spec.key} (${found.map((f) => f.relativePath).join(", ")})` };
    }
    if (found[0]) files.push(found[0]);
    else if (spec.required) missing.push(spec.key);
  }
  if (missing.length > 0) {
    const skipped = located.unpackable.map((u) => `${u.relativePath}: ${u.reason}`);
    return { ok: false, status: "incomplete", reason: `missing ${missing.join(", ")}${skipped.length ? ` (not packable: ${skipped.join("; ")})` : ""}` };
  }
  const keyOf = new Map(files.map((f) => [f.relativePath, f.key]));
  const dirs = [...new Set(files.map((f) => f.relativePath.split("/").slice(0, -1).join("/")).filter(Boolean))];
  const entries = [
    ...dirs.map((relativePath) => ({ type: "dir" as const, relativePath, absolutePath: `${executionPath}/${relativePath}` })),
    ...files.map((f) => ({ type: "file" as const, relativePath: f.relativePath, absolutePath: f.absolutePath })),
  ];
  return { ok: true, entries, keyOf, skipped: located.unpackable };
}

function check(execution: ExecutionDir, options: ValidationOptions): ExecutionCheck {
  const id = execution.id;
  const members = metadataMembers(execution.path);
  if (!members.ok) return { id, status: members.status, reason: members.reason };
  const { entries, keyOf } = members;
  // Each file is read once, and the same bytes are checked and digested.
  let problem: { status: "invalid" | "incomplete"; reason: string } | undefined;
  const content = digestEntries(
    entries,
    (entry, hasher, tally) => {
      const bytes = readSmallFile(entry.absolutePath, MAX_METADATA_BYTES);
      if (!Buffer.isBuffer(bytes)) {
        problem ??= { status: "invalid", reason: `${entry.relativePath} is ${bytes.tooLarge} bytes, too large for a metadata file` };
        return 0;
      }
      const key = keyOf.get(entry.relativePath)!;
      if (key === "e3sm_timing") {
        const lidProblem = checkTimingLid(entry.relativePath, bytes);
        if (lidProblem) problem ??= { status: "incomplete", reason: lidProblem };
      } else {
        problem ??= checkContent(key, entry.relativePath, bytes, options);
      }
      hasher.update(bytes);
      if (isCompressedData(bytes, bytes.length)) tally.compressedBytes += bytes.length;
      return bytes.length;
    },
    members.skipped,
    options.keepEntries,
    // Metadata files are small: gathered and hashed at once.
    newBufferedHasher(),
  );
  return problem ? { id, ...problem } : { id, status: "valid", ...content };
}

/**
 * A `.gz` file that does not inflate (a copy cut short) makes SimBoard fail
 * the whole request with a 500 on every run; a missing value makes it skip
 * the execution yet record it as processed. Bun.gunzipSync (libdeflate)
 * inflates these small files about three times faster than node:zlib.
 */
function checkContent(key: string, relativePath: string, bytes: Buffer, options: ValidationOptions): { status: "invalid"; reason: string } | undefined {
  let text: Buffer = bytes;
  if (relativePath.endsWith(".gz")) {
    try {
      text = asBuffer(Bun.gunzipSync(bytes as Uint8Array<ArrayBuffer>));
    } catch {
      return { status: "invalid", reason: `${relativePath} is named .gz but is not valid gzip` };
    }
  }
  if (!hasRequiredValues(key)) return undefined;
  const missing = missingValues(key, text.toString("utf8"), options);
  return missing.length ? { status: "invalid", reason: `${relativePath} lacks ${missing.join(", ")}` } : undefined;
}

/** A view, not a copy: these bytes are only looked at, once. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function checkTimingLid(relativePath: string, raw: Buffer): string | undefined {
  let text: string;
  try {
    text = (relativePath.endsWith(".gz") ? asBuffer(Bun.gunzipSync(raw as Uint8Array<ArrayBuffer>)) : raw).toString("utf8");
  } catch {
    return `${relativePath} is not valid gzip, so SimBoard cannot read its LID`;
  }
  return LID_LINE.test(text) ? undefined : `no LID line in ${relativePath}`;
}
