import { compareText } from "../util/compare.ts";
import { DEFAULT_RETRY } from "../retry/retry-policy.ts";
import { fetchState } from "../sync/fetch-state.ts";
import type { CliIo } from "./io.ts";
import { prepareRun } from "./prepare-run.ts";
import { sleepFor } from "./runtime-deps.ts";
import type { CommonFlags } from "./settings-from-flags.ts";

/** `simboard-upload state`: what SimBoard knows for the machine. */
export async function stateCommand(flags: CommonFlags, io: CliIo): Promise<number> {
  const run = await prepareRun(flags, io, { archiveRoot: false });
  try {
    const state = await fetchState(
      { machine: run.config.machine, retry: { ...DEFAULT_RETRY, maxAttempts: run.config.maxAttempts, maxRetryAfterMs: run.config.maxRetryAfter * 1000 } },
      { api: run.api, reporter: run.reporter, sleep: sleepFor(io.env), random: Math.random, stopSignal: io.signal, abortSignal: io.signal },
    );
    if (run.config.json) {
      io.stdout(`${JSON.stringify(state, null, 2)}\n`);
      return 0;
    }
    const cases = Object.entries(state.cases).sort(([a], [b]) => compareText(a, b));
    const lines = [`SimBoard state for ${state.machine_name} at ${run.api.root}: ${cases.length} case${cases.length === 1 ? "" : "s"}`];
    for (const [casePath, entry] of cases) {
      lines.push(`  ${String(entry.processed_execution_ids.length).padStart(5)}  ${entry.fingerprint.slice(0, 16)}  ${casePath}`);
    }
    const discoveries = Object.values(state.discovery_results).reduce((n, list) => n + list.length, 0);
    if (discoveries > 0) lines.push(`  (${discoveries} discovery results recorded)`);
    io.stdout(`${lines.join("\n")}\n`);
    return 0;
  } finally {
    run.close();
  }
}
