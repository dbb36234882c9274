import { ExitCode } from "../exit-codes.ts";
import { SimboardError } from "./simboard-error.ts";

/** Another run for the same SimBoard, machine and archive is still going: exit 4. */
export class LockHeldError extends SimboardError {
  constructor(message: string) {
    super(message, { exitCode: ExitCode.Locked });
  }
}
