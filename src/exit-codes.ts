/** Exit codes are part of the interface: cron wrappers and CI jobs branch on them. */
export const ExitCode = {
  Success: 0,
  CaseFailed: 1,
  Usage: 2,
  Unreachable: 3,
  Locked: 4,
  Interrupted: 130,
  Terminated: 143,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** The table printed by `--help` and kept in the README. */
export const EXIT_CODE_TABLE: ReadonlyArray<readonly [number, string]> = [
  [ExitCode.Success, "success, dry run, or nothing to do"],
  [ExitCode.CaseFailed, "a case failed or was not attempted, or SimBoard could not ingest an execution it accepted"],
  [ExitCode.Usage, "usage or configuration error"],
  [ExitCode.Unreachable, "SimBoard unreachable, state fetch failed, or credentials rejected (nothing uploaded)"],
  [ExitCode.Locked, "another run holds the lock"],
  [ExitCode.Interrupted, "interrupted (SIGINT)"],
  [ExitCode.Terminated, "terminated (SIGTERM)"],
];
