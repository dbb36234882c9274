import path from "node:path";

/** `$XDG_STATE_HOME/simboard-upload`, else `~/.local/state/simboard-upload`. */
export function defaultStateDir(env: Record<string, string | undefined>, home: string): string {
  const base = env.XDG_STATE_HOME && path.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : path.join(home, ".local", "state");
  return path.join(base, "simboard-upload");
}
