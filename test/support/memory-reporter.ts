import type { Reporter, SyncEvent } from "../../src/sync/sync-event.ts";

/** Collects events so a test can assert what the core said, in order. */
export function memoryReporter(): Reporter & { events: SyncEvent[] } {
  const events: SyncEvent[] = [];
  return { events, emit: (event) => void events.push(event) };
}
