import type { Reporter, SyncEvent } from "../sync/sync-event.ts";

/**
 * The event log: upstream's `event=<name> key=value` lines, or one JSON
 * object per line. Each line carries a timestamp so a cron log can be read
 * after the fact.
 */
export function eventLogReporter(write: (line: string) => void, format: "text" | "json", now: () => Date): Reporter {
  return {
    emit(event: SyncEvent) {
      const time = now().toISOString();
      if (format === "json") {
        write(`${JSON.stringify({ time, ...event })}\n`);
        return;
      }
      const { event: name, ...fields } = event;
      const pairs = Object.entries(fields).map(([key, value]) => `${key}=${formatValue(value)}`);
      write(`${time} event=${name}${pairs.length ? ` ${pairs.join(" ")}` : ""}\n`);
    },
  };
}

function formatValue(value: unknown): string {
  if (Array.isArray(value)) return formatValue(value.join(","));
  const text = String(value);
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}
