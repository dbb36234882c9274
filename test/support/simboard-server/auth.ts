/** Bearer-token authentication and the role check SimBoard's ingestion routes share. */
import { ReplyError, detail } from "./replies.ts";

export type Role = "service_account" | "admin" | "user";

/** Resolves the caller's role or throws the 401 SimBoard would send. */
export function authenticate(header: string | undefined, tokens: Record<string, Role>): Role {
  if (!header) throw new ReplyError(detail(401, "Not authenticated"));
  const parts = header.split(/\s+/).filter((p) => p !== "");
  if (parts.length !== 2 || parts[0]!.toLowerCase() !== "bearer") {
    throw new ReplyError(detail(401, "Invalid authentication credentials"));
  }
  const role = Object.hasOwn(tokens, parts[1]!) ? tokens[parts[1]!] : undefined;
  if (!role) throw new ReplyError(detail(401, "Invalid or expired token"));
  return role;
}

export function requireStateAccess(role: Role, message: string): void {
  if (role !== "admin" && role !== "service_account") throw new ReplyError(detail(403, message));
}
