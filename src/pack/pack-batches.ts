import { rm } from "node:fs/promises";
import path from "node:path";
import { bytesByExecution, type CaseManifest } from "./case-manifest.ts";
import { packArchive, type PackedArchive } from "./pack-archive.ts";
import { archiveFilename } from "./archive-name.ts";

export type PackedBatch = { kind: "archive"; archive: PackedArchive } | { kind: "oversize"; executionId: string; bytes: number };

export interface BatchOptions {
  stagingDir: string;
  limitBytes: number;
  gzipLevel: number;
}

/**
 * Packs a case's new executions into archives that each stay under the
 * upload limit, yielding them one at a time so only one sits on disk per
 * case. The whole set is tried first; when it is too big, executions are
 * grouped by their size scaled by the measured compression ratio, and any
 * group that still comes out too big is halved. A single execution over the
 * limit is yielded as `oversize`. The caller deletes each archive after use.
 */
export async function* packBatches(manifest: CaseManifest, executionIds: readonly string[], options: BatchOptions): AsyncGenerator<PackedBatch> {
  const destination = path.join(options.stagingDir, archiveFilename(manifest.casePath));
  const whole = await packArchive(manifest, executionIds, destination, options.gzipLevel);
  if (whole.bytes <= options.limitBytes) {
    yield { kind: "archive", archive: whole };
    return;
  }
  await rm(whole.path, { force: true });
  const sizes = bytesByExecution(manifest);
  const raw = executionIds.reduce((sum, id) => sum + (sizes.get(id) ?? 0), 0);
  const ratio = raw > 0 ? whole.bytes / raw : 1;
  const queue = groupBySize(executionIds, (id) => (sizes.get(id) ?? 0) * ratio, options.limitBytes * 0.9);
  while (queue.length > 0) {
    const group = queue.shift()!;
    const packed = await packArchive(manifest, group, destination, options.gzipLevel);
    if (packed.bytes <= options.limitBytes) {
      yield { kind: "archive", archive: packed };
      continue;
    }
    await rm(packed.path, { force: true });
    if (group.length === 1) {
      yield { kind: "oversize", executionId: group[0]!, bytes: packed.bytes };
      continue;
    }
    const middle = Math.ceil(group.length / 2);
    queue.unshift(group.slice(0, middle), group.slice(middle));
  }
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
