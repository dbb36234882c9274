import type { Dirent } from "node:fs";
import { readdirSync } from "node:fs";
import { classifyEntry, lazyRealpath } from "./packable-entry.ts";
import { isCaseDocsDir, METADATA_SPECS, type MetadataSpec } from "./metadata-files.ts";

/** A file SimBoard will read, as it will sit inside the uploaded execution directory. */
export interface MetadataFile {
  key: string;
  /** Path inside the execution directory, `/`-separated. */
  relativePath: string;
  absolutePath: string;
}

export interface MetadataLocation {
  /** Matches per key, counting only entries that will actually be packed. */
  matches: Map<string, MetadataFile[]>;
  /** Entries that looked like metadata but cannot be packed, with why. */
  unpackable: Array<{ relativePath: string; reason: string }>;
}

const ROOT_SPECS = METADATA_SPECS.filter((spec) => spec.location === "root");
const CASEDOCS_SPECS = METADATA_SPECS.filter((spec) => spec.location === "casedocs");

/**
 * Finds metadata files exactly where SimBoard's parser looks for them, seen
 * through the packing rules: a file that cannot be packed will not exist on
 * the server, so it does not count as present. Only names matching a
 * pattern are examined further, so a directory of 100,000 logs costs one
 * listing.
 */
export function locateMetadata(executionPath: string): MetadataLocation {
  const executionReal = lazyRealpath(executionPath);
  const matches = new Map<string, MetadataFile[]>();
  const unpackable: MetadataLocation["unpackable"] = [];

  const consider = (dirent: Dirent, relativeDir: string, specsHere: readonly MetadataSpec[]) => {
    const specs = specsHere.filter((spec) => spec.pattern.test(dirent.name));
    if (specs.length === 0) return;
    const relativePath = relativeDir ? `${relativeDir}/${dirent.name}` : dirent.name;
    // The walk built executionPath by joining names, so plain concatenation is already normal.
    const absolutePath = `${executionPath}/${relativePath}`;
    const entry = classifyEntry(absolutePath, dirent, executionReal);
    if (entry.kind === "skip") {
      unpackable.push({ relativePath, reason: entry.reason });
      return;
    }
    if (entry.kind !== "file") return;
    for (const spec of specs) {
      const list = matches.get(spec.key) ?? [];
      list.push({ key: spec.key, relativePath, absolutePath });
      matches.set(spec.key, list);
    }
  };

  for (const dirent of readdirSync(executionPath, { withFileTypes: true })) {
    if (dirent.isDirectory() && isCaseDocsDir(dirent.name)) {
      for (const child of readdirSync(`${executionPath}/${dirent.name}`, { withFileTypes: true })) consider(child, dirent.name, CASEDOCS_SPECS);
    } else {
      consider(dirent, "", ROOT_SPECS);
    }
  }
  return { matches, unpackable };
}
