import type { Dirent } from "node:fs";
import { readdirSync } from "node:fs";
import path from "node:path";
import { classifyEntry, lazyRealpath } from "./packable-entry.ts";
import { isCaseDocsDir, METADATA_SPECS } from "./metadata-files.ts";

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

  const consider = (dirent: Dirent, relativeDir: string, location: "root" | "casedocs") => {
    const specs = METADATA_SPECS.filter((spec) => spec.location === location && spec.pattern.test(dirent.name));
    if (specs.length === 0) return;
    const relativePath = relativeDir ? `${relativeDir}/${dirent.name}` : dirent.name;
    const absolutePath = path.join(executionPath, relativePath);
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
      for (const child of readdirSync(path.join(executionPath, dirent.name), { withFileTypes: true })) consider(child, dirent.name, "casedocs");
    } else {
      consider(dirent, "", "root");
    }
  }
  return { matches, unpackable };
}
