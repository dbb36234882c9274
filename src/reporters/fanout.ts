import type { Reporter } from "../sync/sync-event.ts";

export function fanout(reporters: Reporter[]): Reporter {
  return { emit: (event) => reporters.forEach((r) => r.emit(event)) };
}
