import ky from "ky";
import { HttpError } from "../errors/http-error.ts";
import { NetworkError } from "../errors/network-error.ts";
import { ReplyError } from "../errors/reply-error.ts";
import { apiRoot } from "./api-url.ts";
import type { StagedArchive } from "../pack/gzip-sink.ts";
import { multipartBody } from "./multipart-body.ts";
import { IngestionReplySchema, type IngestionReply } from "./ingestion-reply.ts";
import { IngestionStateSchema, type IngestionState } from "./ingestion-state.ts";
import { describeBody, parseRetryAfter } from "./response-detail.ts";

/** One automated HPC upload: one case, only the IDs inside this archive. */
export interface UploadRequest {
  machine: string;
  casePath: string;
  executionIds: readonly string[];
  hpcUsername: string | undefined;
  archive: StagedArchive;
  filename: string;
  signal?: AbortSignal;
}

/**
 * The port to SimBoard. Each call is exactly one HTTP attempt; retrying is
 * the retry policy's job, so failures come back as classified errors.
 */
export interface SimboardApi {
  readonly root: string;
  fetchState(machine: string, signal?: AbortSignal): Promise<IngestionState>;
  uploadCase(request: UploadRequest): Promise<IngestionReply>;
}

export interface ApiOptions {
  apiUrl: string;
  token: string;
  /** Bounds each attempt from connect to the last byte of the reply. */
  timeoutMs: number;
  userAgent: string;
  now: () => number;
  /** The complete trust store when a site CA is added (default roots included); undefined: the defaults. */
  ca?: string[];
}

export function createSimboardApi(options: ApiOptions): SimboardApi {
  const root = apiRoot(options.apiUrl);
  const tls = options.ca ? { tls: { ca: options.ca } } : {};
  const headers = { authorization: `Bearer ${options.token}`, "user-agent": options.userAgent, accept: "application/json" };
  const client = ky.create({ prefixUrl: root, timeout: false, retry: 0, throwHttpErrors: false, headers, ...tls });

  async function send(run: (signal: AbortSignal) => Promise<Response>, expected: number, callerSignal: AbortSignal | undefined): Promise<unknown> {
    const deadline = AbortSignal.timeout(options.timeoutMs);
    const signal = callerSignal ? AbortSignal.any([callerSignal, deadline]) : deadline;
    let response: Response;
    let text: string;
    try {
      response = await run(signal);
      text = await response.text();
    } catch (error) {
      if (callerSignal?.aborted) throw new NetworkError(`request aborted: ${String(callerSignal.reason ?? "stopped")}`, "ABORTED", { cause: error });
      throw toNetworkError(error, root, deadline.aborted);
    }
    if (response.status !== expected) {
      throw new HttpError(response.status, describeBody(text), {
        retryAfterMs: parseRetryAfter(response.headers.get("retry-after"), options.now()),
      });
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new ReplyError(`SimBoard answered ${expected} but the body is not JSON: ${describeBody(text) || "(empty)"}`, {
        accepted: expected === 201,
      });
    }
  }

  return {
    root,
    async fetchState(machine, signal) {
      const body = await send((attemptSignal) => client.get("ingestions/state", { searchParams: { machine_name: machine }, signal: attemptSignal }), 200, signal);
      const parsed = IngestionStateSchema.safeParse(body);
      if (!parsed.success) {
        throw new ReplyError(`SimBoard's state reply does not have the expected shape (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message})`);
      }
      return parsed.data;
    },
    async uploadCase(request) {
      // Part order follows upstream's runner: text fields first, the file last.
      const fields: Array<[string, string]> = [
        ["machine_name", request.machine],
        ["case_path", request.casePath],
        ...request.executionIds.map((id): [string, string] => ["processed_execution_ids", id]),
        ...(request.hpcUsername ? [["hpc_username", request.hpcUsername] as [string, string]] : []),
      ];
      const body = await send(
        (attemptSignal) => {
          const multipart = multipartBody(fields, { field: "file", archive: request.archive, filename: request.filename });
          // Not through ky: it clones every request to prepare its own retries,
          // which tees a streamed body into memory, a whole archive per request.
          return fetch(`${root}/ingestions/from-hpc-upload`, {
            method: "POST",
            body: multipart.body,
            headers: { ...headers, ...multipart.headers },
            signal: attemptSignal,
            ...tls,
          });
        },
        201,
        request.signal,
      );
      const parsed = IngestionReplySchema.safeParse(body);
      if (!parsed.success) {
        throw new ReplyError(`SimBoard accepted the upload but its reply does not have the expected shape (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message})`, { accepted: true });
      }
      return parsed.data;
    },
  };
}

function toNetworkError(error: unknown, root: string, timedOut: boolean): NetworkError {
  if (timedOut) return new NetworkError(`no complete answer from ${root} within the request timeout`, "ETIMEDOUT", { cause: error });
  const err = error as { code?: string; name?: string; message?: string };
  const code = err?.code ?? err?.name ?? "ENETWORK";
  // Bun appends a hint for developers calling fetch(); operators need the cause only.
  const message = err?.message?.replace(/\s*For more information, pass `verbose: true`.*$/s, "");
  const reason = message || code;
  return new NetworkError(`cannot reach ${root}: ${reason}`, code, { cause: error });
}
