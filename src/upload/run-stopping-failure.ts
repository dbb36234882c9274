import { HttpError } from "../errors/http-error.ts";

/**
 * Failures no other case can get past: the server lacks the upload route
 * (it predates the server change) or stopped accepting the token. Once seen,
 * the run starts no further uploads.
 */
export function runStoppingReason(error: unknown, root: string): string | undefined {
  if (!(error instanceof HttpError)) return undefined;
  if (error.status === 405 || (error.status === 404 && !error.detail.startsWith("Machine"))) {
    return `SimBoard at ${root} has no automated HPC upload route (POST /ingestions/from-hpc-upload answered ${error.status}); the server needs the from-hpc-upload change (server-patch/ in simboard-upload) deployed first`;
  }
  if (error.status === 401) return `SimBoard rejected the API token during upload (401 ${error.detail}); check the service-account token`;
  if (error.status === 403) return `the API token's account may not upload (403 ${error.detail}); it must belong to a service account or an admin`;
  return undefined;
}
