import { realpathSync } from "node:fs";

/** SimBoard's machine aliases (CONTRACT.md), so `pm-cpu` and `perlmutter` share one lock. */
const ALIASES: Record<string, string> = {
  pm: "perlmutter",
  "pm-cpu": "perlmutter",
  "pm-gpu": "perlmutter",
  "muller-cpu": "muller",
  "muller-gpu": "muller",
  "alvarez-cpu": "alvarez",
  "alvarez-gpu": "alvarez",
};

/** The lock's identity: two crontab lines spelling the same machine or root differently must collide. */
export function lockKey(api: string, machine: string, archiveRoot: string): { api: string; machine: string; archiveRoot: string } {
  const name = machine.trim().toLowerCase();
  let root = archiveRoot;
  try {
    root = realpathSync(archiveRoot);
  } catch {
    // A missing root fails the scan with its own message; the lock keeps the given path.
  }
  return { api, machine: ALIASES[name] ?? name, archiveRoot: root };
}
