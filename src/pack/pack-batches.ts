import { rm } from "node:fs/promises";
import path from "node:path";
import { caseDigest } from "../hash/hash-cases.ts";
import type { CaseMembers } from "./case-members.ts";
import { packArchive, type PackedArchive } from "./pack-archive.ts";
import { archiveFilename } from "./archive-name.ts";

export type PackedBatch = { kind: "archive"; archive: PackedArchive } | { kind: "oversize"; executionId: string; bytes: number } | { kind: "changed" };

export interface BatchOptions {
  stagingDir: string;
  limitBytes: number;
  gzipLevel: number;
  /** The plan's case digest: what is packed must be what was planned. */
  plannedDigest: string;
}

/**
 * Packs a case's new executions into archives that each stay under the
 * upload limit, yielding them one at a time so at most one exists per case.
 * The whole set is packed first, and its digest must equal the plan's, or
 * the case has changed (a job still writing) and nothing is yielded but
 * `changed`. When the whole set is too big, executions are grouped by their
 * size scaled by the measured compression ratio, and any group that still
 * comes out too big is halved; every re-pack must match the first pass. A
 * single execution over the limit is yielded as `oversize`. The caller
 * discards each archive after use.
 */
export async function* packBatches(members: CaseMembers, executionIds: readonly string[], options: BatchOptions): AsyncGenerator<PackedBatch> {
  const destination = path.join(options.stagingDir, archiveFilename(members.casePath));
  const whole = await packArchive(members, executionIds, destination, options.gzipLevel);
  const packed = executionIds.map((id) => ({ id, content: whole.contents.get(id)! }));
  if (caseDigest(members.caseName, packed) !== options.plannedDigest) {
    await discard(whole);
    yield { kind: "changed" };
    return;
  }
  if (whole.bytes <= options.limitBytes) {
    yield { kind: "archive", archive: whole };
    return;
  }
  await discard(whole);
  // Raw size of each execution as tar holds it: data plus about a block of header per member.
  const sizes = new Map(members.executions.map((e) => [e.id, (whole.contents.get(e.id)?.bytes ?? 0) + 512 * (e.entries.length + 1)]));
  const raw = executionIds.reduce((sum, id) => sum + (sizes.get(id) ?? 0), 0);
  const ratio = raw > 0 ? whole.bytes / raw : 1;
  const queue = groupBySize(executionIds, (id) => (sizes.get(id) ?? 0) * ratio, options.limitBytes * 0.9);
  while (queue.length > 0) {
    const group = queue.shift()!;
    const archive = await packArchive(members, group, destination, options.gzipLevel);
    if (group.some((id) => archive.contents.get(id)?.digest !== whole.contents.get(id)?.digest)) {
      await discard(archive);
      yield { kind: "changed" };
      return;
    }
    if (archive.bytes <= options.limitBytes) {
      yield { kind: "archive", archive };
      continue;
    }
    await discard(archive);
    if (group.length === 1) {
      yield { kind: "oversize", executionId: group[0]!, bytes: archive.bytes };
      continue;
    }
    const middle = Math.ceil(group.length / 2);
    queue.unshift(group.slice(0, middle), group.slice(middle));
  }
}

/** Removes a staged archive; one held in memory is simply dropped. */
export async function discard(archive: PackedArchive): Promise<void> {
  if (archive.path) await rm(archive.path, { force: true });
}

/** Consecutive groups whose estimated sizes add up to at most `budget` (a lone big item gets its own group). */
export function groupBySize(ids: readonly string[], estimate: (id: string) => number, budget: number): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let total = 0;
  for (const id of ids) {
    const size = estimate(id);
    if (current.length > 0 && total + size > budget) {
      groups.push(current);
      current = [];
      total = 0;
    }
    current.push(id);
    total += size;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}
