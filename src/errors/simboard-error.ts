import { ExitCode } from "../exit-codes.ts";

/**
 * Base of every error the tool raises on purpose. The class is decided where
 * the error is born (HTTP status, errno); the retry policy reads `retryable`
 * and the one exit point reads `exitCode`. `message` is one sentence a site
 * operator can act on and never contains the API token.
 */
export class SimboardError extends Error {
  readonly exitCode: number;
  readonly retryable: boolean;

  constructor(message: string, options: { exitCode?: number; retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.exitCode = options.exitCode ?? ExitCode.CaseFailed;
    this.retryable = options.retryable ?? false;
  }
}
