import { ExitCode } from "../exit-codes.ts";
import { SimboardError } from "./simboard-error.ts";

/** State could not be fetched, so nothing may be uploaded: exit 3. */
export class StateFetchError extends SimboardError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, exitCode: ExitCode.Unreachable });
  }
}
