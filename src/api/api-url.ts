import { ConfigError } from "../errors/config-error.ts";

/**
 * Accepts a base URL with or without `/api/v1` and a trailing `/`, as
 * upstream's runner does, and returns the `/api/v1` root without a trailing slash.
 */
export function apiRoot(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new ConfigError(`apiUrl: '${baseUrl}' is not a URL; write it like https://simboard-api.e3sm.org`);
  }
  url.search = "";
  url.hash = "";
  const trimmed = url.pathname.replace(/\/+$/, "").replace(/\/api\/v1$/, "");
  url.pathname = `${trimmed}/api/v1`;
  return url.toString().replace(/\/+$/, "");
}
