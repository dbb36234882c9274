import pLimit from "p-limit";
import { buildManifest, type CaseManifest, type PackMode } from "../pack/case-manifest.ts";
import type { PlannedCase } from "../plan/sync-plan.ts";
import { digestManifest } from "./digest-manifest.ts";

export type CaseHash =
  | { casePath: string; ok: true; digest: string; bytes: number; files: number; manifest: CaseManifest }
  | { casePath: string; ok: false; error: string; /** errno, e.g. ENOENT when a file vanished */ code: string | undefined };

/** Lists and digests one case's upload. Failures (files vanishing, permissions) stay with the case. */
export async function hashCase(planned: PlannedCase, mode: PackMode): Promise<CaseHash> {
  try {
    const manifest = await buildManifest(planned, mode);
    const digest = await digestManifest(manifest);
    const files = manifest.entries.filter((e) => e.type === "file");
    return { casePath: planned.casePath, ok: true, digest, bytes: files.reduce((sum, f) => sum + f.size, 0), files: files.length, manifest };
  } catch (error) {
    const err = error as NodeJS.ErrnoException;
    return { casePath: planned.casePath, ok: false, error: `cannot read ${err.path ?? "the case"} (${err.code ?? err.message})`, code: err.code };
  }
}

/** Hashes several cases at once; results keyed by case path. */
export async function hashCases(cases: PlannedCase[], mode: PackMode, concurrency: number, onHashed?: (hash: CaseHash) => void): Promise<Map<string, CaseHash>> {
  const limit = pLimit(concurrency);
  const results = await Promise.all(
    cases.map((planned) =>
      limit(async () => {
        const hash = await hashCase(planned, mode);
        onHashed?.(hash);
        return hash;
      }),
    ),
  );
  return new Map(results.map((hash) => [hash.casePath, hash]));
}
