/**
 * Response bodies shaped like SimBoard's (FastAPI + pydantic v2), so the
 * client's error handling is exercised against the real shapes.
 */
export interface Reply {
  status: number;
  /** object → JSON; string → sent as-is; undefined → empty body */
  body?: unknown;
  headers?: Record<string, string>;
  /** destroy the connection instead of answering */
  reset?: boolean;
}

/** Thrown by handlers to stop processing and answer with `reply`. */
export class ReplyError extends Error {
  constructor(readonly reply: Reply) {
    super(`HTTP ${reply.status}`);
  }
}

export const detail = (status: number, message: unknown): Reply => ({ status, body: { detail: message } });

/** Unhandled exceptions in SimBoard reach Starlette's ServerErrorMiddleware: plain text, not JSON. */
export const plainServerError = (): Reply => ({
  status: 500,
  body: "Internal Server Error",
  headers: { "content-type": "text/plain; charset=utf-8" },
});

export interface FieldError {
  type: string;
  loc: (string | number)[];
  msg: string;
  input: unknown;
  ctx?: Record<string, unknown>;
  url?: string;
}

/** FastAPI's request validation error for a required parameter that is absent. */
export const missingField = (where: "body" | "query", field: string): FieldError => ({
  type: "missing",
  loc: [where, field],
  msg: "Field required",
  input: null,
});

export const validationFailed = (errors: FieldError[]): Reply => ({ status: 422, body: { detail: errors } });

/** Text of a pydantic ValidationError for a TypeAdapter, as `str(exc)` renders it. */
export function pydanticMessage(title: string, type: string, msg: string, input: unknown): string {
  const repr = input === null || input === undefined ? "None" : `'${String(input)}'`;
  const inputType = input === null || input === undefined ? "NoneType" : "str";
  return `1 validation error for ${title}\n  ${msg} [type=${type}, input_value=${repr}, input_type=${inputType}]\n    For further information visit https://errors.pydantic.dev/2.12/v/${type}`;
}
