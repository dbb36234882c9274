import type { CaseResult } from "../sync/case-result.ts";
import type { SyncPlan } from "../plan/sync-plan.ts";
import { plural } from "./format.ts";
import { resultCounts } from "./result-counts.ts";

/** Per-case outcome lines and one summary line, for stdout after a real run. */
export function renderResults(plan: SyncPlan, results: CaseResult[]): string {
  const display = new Map([...plan.new, ...plan.changed].map((c) => [c.casePath, c.displayPath]));
  const lines = [""];
  for (const result of results) {
    const name = display.get(result.casePath) ?? result.casePath;
    const ids = result.requests.flatMap((r) => (r.failure ? [] : r.executionIds));
    const created = result.requests.reduce((n, r) => n + r.created, 0);
    const duplicates = result.requests.reduce((n, r) => n + r.duplicates, 0);
    if (result.status === "uploaded") {
      lines.push(`  uploaded  ${name}  ${plural(ids.length, "execution")} in ${plural(result.requests.length, "request")}: ${created} created, ${duplicates} duplicate`);
    } else {
      const label = result.status === "failed" ? "FAILED  " : result.status === "deferred" ? "deferred" : "skipped ";
      lines.push(`  ${label}  ${name}  ${result.reason ?? ""}${ids.length ? ` (${plural(ids.length, "execution")} accepted before that)` : ""}`);
    }
    for (const request of result.requests) {
      if (request.warning) lines.push(`      warning: ${request.warning}`);
      for (const e of request.errors) lines.push(`      SimBoard could not ingest ${e.executionDir.split("/").pop()}: ${e.errorType}: ${e.message}`);
    }
  }
  const c = resultCounts(plan, results);
  lines.push("");
  lines.push(
    `Result: ${c.uploaded} uploaded, ${c.failed} failed, ${c.deferred} deferred, ${c.notAttempted} not attempted; ` +
      `SimBoard created ${plural(c.created, "execution")}, ${c.duplicates} duplicate, ${plural(c.executionErrors, "execution error")}.`,
  );
  return lines.join("\n");
}
