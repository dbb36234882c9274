import { SimboardError } from "./simboard-error.ts";

/** HTTP statuses SimBoard or a proxy in front of it answer while restarting or shedding load. */
const TRANSIENT_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

/** SimBoard answered with a status the caller did not expect. */
export class HttpError extends SimboardError {
  readonly status: number;
  /** The server's own explanation (FastAPI `detail`, or the start of a non-JSON body). */
  readonly detail: string;
  /** Delay the server asked for with `Retry-After`, in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(status: number, detail: string, options: { retryAfterMs?: number; message?: string } = {}) {
    super(options.message ?? `SimBoard answered HTTP ${status}${detail ? `: ${detail}` : ""}`, {
      retryable: TRANSIENT_STATUSES.has(status),
    });
    this.status = status;
    this.detail = detail;
    this.retryAfterMs = options.retryAfterMs;
  }
}
