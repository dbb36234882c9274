import ora, { type Ora } from "ora";
import type { Reporter, SyncEvent } from "../sync/sync-event.ts";

/**
 * A spinner on stderr, only when stderr is a terminal: a cron job's mail
 * must not fill with control characters.
 */
export function progressReporter(stream: NodeJS.WriteStream): Reporter & { stop(): void } {
  let spinner: Ora | undefined;
  let uploaded = 0;
  const show = (text: string) => {
    spinner ??= ora({ stream, discardStdin: false }).start();
    spinner.text = text;
  };
  return {
    emit(event: SyncEvent) {
      switch (event.event) {
        case "run_started":
          return show(`Fetching SimBoard state for ${event.machine}`);
        case "state_fetched":
          return show(`Scanning archive (${event.cases} cases known to SimBoard)`);
        case "scan_completed":
          return show(`Validating new executions of ${event.cases} cases`);
        case "executions_validated":
          return show(`Hashing cases to upload`);
        case "archive_created":
          return show(`Uploading ${event.filename}`);
        case "case_ingested":
          uploaded++;
          return show(`Uploaded ${uploaded} case${uploaded === 1 ? "" : "s"}`);
        default:
          return;
      }
    },
    stop() {
      spinner?.stop();
      spinner = undefined;
    },
  };
}
