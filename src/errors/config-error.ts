import { ExitCode } from "../exit-codes.ts";
import { SimboardError } from "./simboard-error.ts";

/** A setting is missing, malformed or contradictory: exit 2, nothing contacted. */
export class ConfigError extends SimboardError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, exitCode: ExitCode.Usage });
  }
}
