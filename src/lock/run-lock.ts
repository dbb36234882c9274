import { createHash } from "node:crypto";
import { mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync, closeSync, fsyncSync } from "node:fs";
import path from "node:path";
import { ConfigError } from "../errors/config-error.ts";
import { LockHeldError } from "../errors/lock-held-error.ts";

export interface LockHolder {
  host: string;
  pid: number;
  started_at: string;
  api: string;
  machine: string;
  archive_root: string;
}

export interface LockEnv {
  host: string;
  pid: number;
  now: () => number;
  /** Whether a process with this pid exists on this host. */
  isAlive: (pid: number) => boolean;
}

export interface AcquiredLock {
  path: string;
  /** Set when a stale lock was taken over: who held it and why it counted as stale. */
  tookOver: string | undefined;
  /** Removes the lock file if it is still ours; safe to call more than once. */
  release: () => void;
}

/** A lock file being written right now may be empty for a moment; an empty one older than this is debris. */
const UNREADABLE_GRACE_MS = 60_000;

/**
 * One run per (SimBoard API, machine, archive root): a crontab every 15
 * minutes overlaps a slow run, and two runs would upload the same cases.
 * The lock is a file created with O_EXCL holding host, pid and start time.
 * Synchronous on purpose: it is also released from a signal handler.
 */
export function acquireRunLock(stateDir: string, key: { api: string; machine: string; archiveRoot: string }, staleAfterMs: number, env: LockEnv): AcquiredLock {
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  } catch (error) {
    throw new ConfigError(`stateDir: cannot create ${stateDir} (${(error as NodeJS.ErrnoException).code}); set --state-dir to a writable directory`);
  }
  const file = path.join(stateDir, lockFileName(key));
  const mine: LockHolder = { host: env.host, pid: env.pid, started_at: new Date(env.now()).toISOString(), api: key.api, machine: key.machine, archive_root: key.archiveRoot };
  const content = `${JSON.stringify(mine)}\n`;

  let tookOver: string | undefined;
  for (let attempt = 0; attempt < 2; attempt++) {
    if (tryCreate(file, content)) return { path: file, tookOver, release: () => releaseIfMine(file, content) };
    const { holder, raw, ageMs } = readHolder(file, env.now());
    const stale = staleReason(holder, ageMs, staleAfterMs, env);
    if (!stale) {
      const who = holder ? `pid ${holder.pid} on ${holder.host}, started ${holder.started_at}` : "a run whose lock file is still being written";
      throw new LockHeldError(`another run holds the lock (${who}); lock file ${file}. If no such run exists, delete the file`);
    }
    // Remove the stale file only if it is still the one judged stale.
    if (readRaw(file) === raw) {
      try {
        unlinkSync(file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw new ConfigError(`stateDir: cannot remove the stale lock ${file} (${(error as NodeJS.ErrnoException).code})`);
      }
    }
    tookOver = stale;
  }
  throw new LockHeldError(`another run took the lock at the same moment; lock file ${file}`);
}

/** One lock per (SimBoard API root, machine, archive root). */
export function lockFileName(key: { api: string; machine: string; archiveRoot: string }): string {
  return `sync-${createHash("sha256").update(`${key.api}\n${key.machine}\n${key.archiveRoot}`).digest("hex").slice(0, 16)}.lock`;
}

function tryCreate(file: string, content: string): boolean {
  let fd: number;
  try {
    fd = openSync(file, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new ConfigError(`stateDir: cannot create the lock file ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(file);
    throw new ConfigError(`stateDir: cannot write the lock file ${file} (${(error as NodeJS.ErrnoException).code})`);
  }
  closeSync(fd);
  return true;
}

function readRaw(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

function readHolder(file: string, now: number): { holder: LockHolder | undefined; raw: string | undefined; ageMs: number } {
  const raw = readRaw(file);
  let ageMs = 0;
  try {
    ageMs = now - statSync(file).mtimeMs;
  } catch {
    // Gone already: the next create attempt decides.
  }
  try {
    const parsed = JSON.parse(raw ?? "");
    if (typeof parsed?.host === "string" && Number.isInteger(parsed?.pid) && typeof parsed?.started_at === "string") return { holder: parsed, raw, ageMs };
  } catch {
    // Unreadable content: judged by age below.
  }
  return { holder: undefined, raw, ageMs };
}

function staleReason(holder: LockHolder | undefined, ageMs: number, staleAfterMs: number, env: LockEnv): string | undefined {
  if (!holder) return ageMs > UNREADABLE_GRACE_MS ? "an unreadable lock file" : undefined;
  const startedMs = Date.parse(holder.started_at);
  const age = Number.isNaN(startedMs) ? ageMs : env.now() - startedMs;
  if (holder.host === env.host) {
    // On this host the pid is the truth: a live holder is a long run, not a stale lock.
    return env.isAlive(holder.pid) ? undefined : `pid ${holder.pid} on ${holder.host} is gone`;
  }
  if (age > staleAfterMs) return `the lock of pid ${holder.pid} on ${holder.host} is older than ${Math.round(staleAfterMs / 1000)} s`;
  return undefined;
}

function releaseIfMine(file: string, content: string): void {
  if (readRaw(file) === content) {
    try {
      unlinkSync(file);
    } catch {
      // Already removed.
    }
  }
}

/** Signal 0 tests for existence; EPERM means it exists under another user. */
export function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
