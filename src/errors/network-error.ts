import { SimboardError } from "./simboard-error.ts";

/**
 * The request never got an HTTP answer: refused, reset, DNS, TLS, or timed out.
 * Certificate verification failures will not heal by retrying, and an abort
 * (a signal, the run's deadline) is the caller's decision, so both are final.
 */
export class NetworkError extends SimboardError {
  readonly code: string;

  constructor(message: string, code: string, options: { cause?: unknown } = {}) {
    super(message, { retryable: code !== "ABORTED" && !isCertificateProblem(code), cause: options.cause });
    this.code = code;
  }
}

function isCertificateProblem(code: string): boolean {
  return /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT/i.test(code);
}
