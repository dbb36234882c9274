import { readdir, realpath } from "node:fs/promises";
import path from "node:path";
import type { PlannedCase } from "../plan/sync-plan.ts";
import { locateMetadata } from "../scan/locate-metadata.ts";
import { classifyEntry } from "../scan/packable-entry.ts";

export type PackMode = "metadata" | "full";

export interface ManifestEntry {
  /** Member name inside the archive: `<case>/<execution>/...`. */
  archivePath: string;
  absolutePath: string;
  type: "dir" | "file";
  size: number;
  /** The execution this entry belongs to; undefined for the case directory itself. */
  executionId: string | undefined;
}

/** Exactly what will be packed for a case, in archive order. */
export interface CaseManifest {
  casePath: string;
  caseName: string;
  entries: ManifestEntry[];
  /** Entries left out because SimBoard cannot take them (links leaving the execution, sockets ...). */
  skipped: Array<{ path: string; reason: string }>;
}

const byArchivePath = (a: ManifestEntry, b: ManifestEntry) => (a.archivePath < b.archivePath ? -1 : a.archivePath > b.archivePath ? 1 : 0);

/**
 * Lists the members of a case's upload: the case directory entry and, per new
 * execution, either the files SimBoard reads (`metadata`) or the whole
 * directory (`full`), in the same directory structure.
 */
export async function buildManifest(planned: PlannedCase, mode: PackMode): Promise<CaseManifest> {
  const caseName = path.basename(planned.casePath);
  const entries: ManifestEntry[] = [
    { archivePath: caseName, absolutePath: planned.casePath, type: "dir", size: 0, executionId: undefined },
  ];
  const skipped: CaseManifest["skipped"] = [];
  for (const id of planned.uploadIds) {
    const executionPath = path.join(planned.casePath, id);
    const prefix = `${caseName}/${id}`;
    entries.push({ archivePath: prefix, absolutePath: executionPath, type: "dir", size: 0, executionId: id });
    if (mode === "metadata") await addMetadata(executionPath, prefix, id, entries);
    else await addTree(executionPath, await realpath(executionPath), "", prefix, id, entries, skipped);
  }
  entries.sort(byArchivePath);
  return { casePath: planned.casePath, caseName, entries, skipped };
}

async function addMetadata(executionPath: string, prefix: string, id: string, entries: ManifestEntry[]): Promise<void> {
  const located = await locateMetadata(executionPath);
  const dirs = new Set<string>();
  for (const files of located.matches.values()) {
    for (const file of files) {
      const dir = path.posix.dirname(file.relativePath);
      if (dir !== "." && !dirs.has(dir)) {
        dirs.add(dir);
        entries.push({ archivePath: `${prefix}/${dir}`, absolutePath: path.join(executionPath, dir), type: "dir", size: 0, executionId: id });
      }
      entries.push({ archivePath: `${prefix}/${file.relativePath}`, absolutePath: file.absolutePath, type: "file", size: file.size, executionId: id });
    }
  }
}

async function addTree(
  directory: string,
  executionReal: string,
  relative: string,
  prefix: string,
  id: string,
  entries: ManifestEntry[],
  skipped: CaseManifest["skipped"],
): Promise<void> {
  const dirents = await readdir(directory, { withFileTypes: true });
  for (const dirent of dirents) {
    const childRelative = relative ? `${relative}/${dirent.name}` : dirent.name;
    const absolutePath = path.join(directory, dirent.name);
    const entry = await classifyEntry(absolutePath, dirent, executionReal);
    const archivePath = `${prefix}/${childRelative}`;
    if (entry.kind === "skip") skipped.push({ path: archivePath, reason: entry.reason });
    else if (entry.kind === "file") entries.push({ archivePath, absolutePath, type: "file", size: entry.size, executionId: id });
    else {
      entries.push({ archivePath, absolutePath, type: "dir", size: 0, executionId: id });
      await addTree(absolutePath, executionReal, childRelative, prefix, id, entries, skipped);
    }
  }
}

/** Bytes of file content per execution, for splitting a case into requests. */
export function bytesByExecution(manifest: CaseManifest): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const entry of manifest.entries) {
    if (entry.executionId === undefined) continue;
    sizes.set(entry.executionId, (sizes.get(entry.executionId) ?? 0) + entry.size + 512);
  }
  return sizes;
}
