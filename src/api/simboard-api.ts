import ky, { TimeoutError } from "ky";
import { HttpError } from "../errors/http-error.ts";
import { NetworkError } from "../errors/network-error.ts";
import { ReplyError } from "../errors/reply-error.ts";
import { apiRoot } from "./api-url.ts";
import { IngestionReplySchema, type IngestionReply } from "./ingestion-reply.ts";
import { IngestionStateSchema, type IngestionState } from "./ingestion-state.ts";
import { describeBody, parseRetryAfter } from "./response-detail.ts";

/** One automated HPC upload: one case, only the IDs inside this archive. */
export interface UploadRequest {
  machine: string;
  casePath: string;
  executionIds: readonly string[];
  hpcUsername: string | undefined;
  archivePath: string;
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
  timeoutMs: number;
  userAgent: string;
  now: () => number;
}

export function createSimboardApi(options: ApiOptions): SimboardApi {
  const root = apiRoot(options.apiUrl);
  const client = ky.create({
    prefixUrl: root,
    timeout: options.timeoutMs,
    retry: 0,
    throwHttpErrors: false,
    headers: { authorization: `Bearer ${options.token}`, "user-agent": options.userAgent, accept: "application/json" },
  });

  async function send(run: () => Promise<Response>, expected: number): Promise<unknown> {
    let response: Response;
    try {
      response = await run();
    } catch (error) {
      throw toNetworkError(error, root);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw toNetworkError(error, root);
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
      const body = await send(
        () => client.get("ingestions/state", { searchParams: { machine_name: machine }, signal }),
        200,
      );
      const parsed = IngestionStateSchema.safeParse(body);
      if (!parsed.success) {
        throw new ReplyError(`SimBoard's state reply does not have the expected shape (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message})`);
      }
      return parsed.data;
    },
    async uploadCase(request) {
      // Part order follows upstream's runner: text fields first, the file last.
      const form = new FormData();
      form.append("machine_name", request.machine);
      form.append("case_path", request.casePath);
      for (const id of request.executionIds) form.append("processed_execution_ids", id);
      if (request.hpcUsername) form.append("hpc_username", request.hpcUsername);
      const file = Bun.file(request.archivePath, { type: "application/gzip" });
      form.append("file", file, request.filename);
      const body = await send(() => client.post("ingestions/from-hpc-upload", { body: form, signal: request.signal }), 201);
      const parsed = IngestionReplySchema.safeParse(body);
      if (!parsed.success) {
        throw new ReplyError(`SimBoard accepted the upload but its reply does not have the expected shape (${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message})`, { accepted: true });
      }
      return parsed.data;
    },
  };
}

function toNetworkError(error: unknown, root: string): NetworkError {
  if (error instanceof TimeoutError) {
    return new NetworkError(`no answer from ${root} within the request timeout`, "ETIMEDOUT", { cause: error });
  }
  const err = error as { code?: string; name?: string; message?: string };
  if (err?.name === "AbortError") return new NetworkError("request aborted", "ABORTED", { cause: error });
  const code = err?.code ?? err?.name ?? "ENETWORK";
  const reason = err?.message && !err.message.includes("Bearer") ? err.message : code;
  return new NetworkError(`cannot reach ${root}: ${reason}`, code, { cause: error });
}
