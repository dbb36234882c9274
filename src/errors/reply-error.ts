import { SimboardError } from "./simboard-error.ts";

/**
 * SimBoard answered 2xx with a body that does not have the documented shape.
 * For an upload the status alone means the archive was accepted and its IDs
 * recorded, so `accepted` tells the caller not to treat the case as lost.
 */
export class ReplyError extends SimboardError {
  readonly accepted: boolean;

  constructor(message: string, options: { accepted?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.accepted = options.accepted ?? false;
  }
}
