import type { CaseHash } from "../hash/hash-cases.ts";
import type { SyncPlan } from "../plan/sync-plan.ts";
import { compareText } from "../util/compare.ts";
import { formatBytes, plural } from "./format.ts";

export interface RenderPlanOptions {
  verbose: boolean;
  maxCases: number | undefined;
  header: string;
}

/**
 * The terraform-plan-like view: `+` new case, `~` changed case, `!` an
 * execution that will not be sent and why, `>` deferred, `=` unchanged (-v).
 */
export function renderPlan(plan: SyncPlan, hashes: ReadonlyMap<string, CaseHash>, options: RenderPlanOptions): string {
  const lines = [options.header, ""];
  const uploadLines = [...plan.new.map((c) => ["+", c] as const), ...plan.changed.map((c) => ["~", c] as const)].sort((a, b) => compareText(a[1].casePath, b[1].casePath));
  let bytes = 0;
  let executions = 0;
  for (const [mark, planned] of uploadLines) {
    const hash = hashes.get(planned.casePath);
    executions += planned.uploadIds.length;
    if (hash?.ok) bytes += hash.bytes;
    const detail = hash?.ok ? `${formatBytes(hash.bytes)}  xxh64:${hash.digest}` : `cannot hash: ${hash?.error ?? "not hashed"}`;
    lines.push(`  ${mark} ${planned.displayPath}  ${plural(planned.uploadIds.length, "new execution")}  ${detail}`);
    for (const skipped of hash?.ok ? hash.skipped : []) lines.push(`      skipped ${skipped.path}: ${skipped.reason}`);
  }
  const rejectedCases = [...plan.new, ...plan.changed, ...plan.rejectedOnly, ...plan.deferred].filter((c) => c.rejected.length > 0);
  rejectedCases.sort((a, b) => compareText(a.casePath, b.casePath));
  let rejected = 0;
  for (const planned of rejectedCases) {
    for (const r of planned.rejected) {
      rejected++;
      lines.push(`  ! ${planned.displayPath}/${r.id}  ${r.status}: ${r.reason}`);
    }
  }
  for (const planned of plan.deferred) {
    lines.push(`  > ${planned.displayPath}  deferred (over max cases ${options.maxCases}): ${plural(planned.uploadIds.length, "new execution")}`);
  }
  for (const dir of plan.unreadable) lines.push(`  ? ${dir.path}  skipped this run: ${dir.reason}`);
  if (options.verbose) {
    for (const planned of plan.unchanged) lines.push(`  = ${planned.displayPath}  ${plural(planned.processedCount, "execution")} already in SimBoard`);
  }
  if (lines.length === 2) lines.push("  (nothing to upload)");
  lines.push("");
  lines.push(
    `Plan: ${plural(uploadLines.length, "case")} to upload (${plural(executions, "execution")}, ${formatBytes(bytes)}), ` +
      `${plan.unchanged.length} unchanged, ${plan.rejectedOnly.length} with only rejected executions, ` +
      `${plural(rejected, "rejected execution")}, ${plan.deferred.length} deferred` +
      (plan.unreadable.length ? `, ${plural(plan.unreadable.length, "unreadable directory")}` : "") +
      ".",
  );
  return lines.join("\n");
}
