import type { IngestionState } from "../api/ingestion-state.ts";
import { HttpError } from "../errors/http-error.ts";
import { NetworkError } from "../errors/network-error.ts";
import { SimboardError } from "../errors/simboard-error.ts";
import { StateFetchError } from "../errors/state-fetch-error.ts";
import { withRetry } from "../retry/retry-policy.ts";
import type { SyncDeps, SyncOptions } from "./stage-context.ts";

/**
 * Asks SimBoard which executions it already has. Every failure here stops
 * the run before anything is uploaded (exit 3) with one line naming the cause.
 */
export async function fetchState(options: Pick<SyncOptions, "machine" | "retry">, deps: Omit<SyncDeps, "makeStagingDir" | "checks">): Promise<IngestionState> {
  try {
    return await withRetry(() => deps.api.fetchState(options.machine, deps.abortSignal ?? deps.stopSignal), options.retry, { ...deps, signal: deps.stopSignal });
  } catch (error) {
    const message = explainStateFailure(error, options.machine, deps.api.root);
    deps.reporter.emit({ event: "state_fetch_failed", error: message });
    throw new StateFetchError(message, { cause: error });
  }
}

function explainStateFailure(error: unknown, machine: string, root: string): string {
  if (error instanceof NetworkError) return `SimBoard unreachable: ${error.message}; check apiUrl, the network and any proxy`;
  if (error instanceof HttpError) {
    switch (error.status) {
      case 401:
        return `SimBoard rejected the API token (401 ${error.detail}); check SIMBOARD_API_TOKEN or tokenFile holds a current service-account token`;
      case 403:
        return `the API token's account may not read ingestion state (403 ${error.detail}); it must belong to a service account or an admin`;
      case 404:
        return error.detail.startsWith("Machine")
          ? `SimBoard does not know machine '${machine}' (404 ${error.detail}); check --machine / MACHINE_NAME`
          : `no ingestion state route at ${root}/ingestions/state (404 ${error.detail}); check apiUrl points at the SimBoard API`;
      default:
        return `state fetch failed: HTTP ${error.status}${error.detail ? ` ${error.detail}` : ""}`;
    }
  }
  return `state fetch failed: ${error instanceof SimboardError ? error.message : String(error)}`;
}
