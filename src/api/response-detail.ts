/**
 * One line describing a reply body, whatever it is: FastAPI `{"detail": ...}`,
 * a validation list, a proxy's HTML page, plain text or nothing.
 */
export function describeBody(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return "";
  try {
    return oneLine(detailOf(JSON.parse(trimmed)));
  } catch {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(trimmed)?.[1];
    if (title) return oneLine(title);
    return oneLine(trimmed.replace(/<[^>]+>/g, " "));
  }
}

function detailOf(body: unknown): string {
  if (typeof body !== "object" || body === null) return String(body);
  const detail = (body as { detail?: unknown }).detail;
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((item) => {
        const loc = Array.isArray(item?.loc) ? item.loc.filter((p: unknown) => p !== "body").join(".") : "";
        return loc ? `${loc}: ${item?.msg ?? ""}` : String(item?.msg ?? JSON.stringify(item));
      })
      .join("; ");
  }
  if (detail && typeof detail === "object" && typeof (detail as { message?: unknown }).message === "string") {
    return (detail as { message: string }).message;
  }
  return JSON.stringify(body);
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, " ").trim();
  return line.length > 200 ? `${line.slice(0, 197)}...` : line;
}

/** `Retry-After` as seconds or an HTTP date, in milliseconds from `now`. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value.trim());
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
