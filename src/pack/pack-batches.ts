import { rm } from "node:fs/promises";
import type { PlannedExecution } from "../hash/hash-cases.ts";
import type { CaseMembers } from "./case-members.ts";
import type { Compression } from "./gzip-sink.ts";
import { packArchive, type PackedArchive } from "./pack-archive.ts";

export type PackedBatch = { kind: "archive"; archive: PackedArchive } | { kind: "oversize"; executionId: string; bytes: number } | { kind: "changed" };

export interface BatchOptions {
  /** Where an archive too large to keep in memory is written (one at a time). */
  stagingFile: string;
  limitBytes: number;
  gzipLevel: number;
}

/** Requests are planned to this share of the limit: room for headers and a wrong guess. */
const BUDGET = 0.9;

/**
 * Packs a case's new executions into archives that each stay under the
 * upload limit, yielding them one at a time. Each archive is packed once,
 * from executions grouped by their planned size times the compression
 * ratio seen so far (1 to begin with: compressed logs do not shrink), so a
 * case under the limit is one archive and a larger one is never packed
 * whole first. A group that still comes out too big is halved; a single
 * execution over the limit is yielded as `oversize`. Every execution packed
 * must have the digest the plan gave it, or the case has changed (a job
 * still writing) and `changed` ends the batches. The caller discards each
 * archive after use.
 */
export async function* packBatches(members: CaseMembers, planned: readonly PlannedExecution[], options: BatchOptions): AsyncGenerator<PackedBatch> {
  const destination = options.stagingFile;
  const memberCount = new Map(members.executions.map((e) => [e.id, e.entries.length + 1]));
  // Raw size as tar holds it: content plus about a block of header per member.
  const rawSize = (execution: PlannedExecution) => execution.bytes + 512 * (memberCount.get(execution.id) ?? 1);
  const budget = options.limitBytes * BUDGET;
  const halves: PlannedExecution[][] = [];
  let remaining = [...planned];
  let packedRaw = 0;
  let packedBytes = 0;
  while (halves.length > 0 || remaining.length > 0) {
    // Floored: a case whose first executions compress well may end in logs that do not.
    const ratio = packedRaw > 0 ? Math.max(packedBytes / packedRaw, 0.3) : 1;
    let group = halves.shift();
    if (!group) {
      group = takeGroup(remaining, (e) => rawSize(e) * ratio, budget);
      remaining = remaining.slice(group.length);
    }
    const archive = await packArchive(members, group.map((e) => e.id), destination, options.gzipLevel, plannedCompression(group, rawSize));
    if (group.some((e) => archive.contents.get(e.id)?.digest !== e.digest)) {
      await discard(archive);
      yield { kind: "changed" };
      return;
    }
    if (archive.bytes <= options.limitBytes) {
      packedRaw += group.reduce((n, e) => n + rawSize(e), 0);
      packedBytes += archive.bytes;
      yield { kind: "archive", archive };
      continue;
    }
    await discard(archive);
    if (group.length === 1) {
      yield { kind: "oversize", executionId: group[0]!.id, bytes: archive.bytes };
      continue;
    }
    const middle = Math.ceil(group.length / 2);
    halves.unshift(group.slice(0, middle), group.slice(middle));
  }
}

/**
 * Run-length when at least half of what the archive will hold is
 * already-compressed file data, as the plan read it; level 6 otherwise. The
 * whole archive decides, not its first block: `--pack full` sorts an
 * execution's small gzipped CaseDocs first, and a large plain-text log after
 * them would otherwise be run-length coded (1.5 MiB of gzip, then 18 MB of
 * log text: 11.4 MB instead of 4.0 MB).
 */
export function plannedCompression(group: readonly PlannedExecution[], rawSize: (execution: PlannedExecution) => number): Compression {
  const raw = group.reduce((n, e) => n + rawSize(e), 0);
  const compressed = group.reduce((n, e) => n + e.compressedBytes, 0);
  return compressed * 2 >= raw ? "rle" : "deflate";
}

/** The longest run from the front whose estimates add up to at most `budget` (at least one item). */
export function takeGroup<T>(items: readonly T[], estimate: (item: T) => number, budget: number): T[] {
  let total = 0;
  let count = 0;
  for (const item of items) {
    total += estimate(item);
    if (count > 0 && total > budget) break;
    count++;
  }
  return items.slice(0, count);
}

/** Removes a staged archive; one held in memory is simply dropped. */
export async function discard(archive: PackedArchive): Promise<void> {
  if (archive.path) await rm(archive.path, { force: true });
}
