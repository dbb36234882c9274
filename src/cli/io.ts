/** What the command layer may touch of the process, handed in by `main.ts`. */
export interface CliIo {
  argv: string[];
  env: Record<string, string | undefined>;
  cwd: string;
  home: string;
  host: string;
  pid: number;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Present only when stderr is a terminal: progress is drawn there and nowhere else. */
  stderrTty: NodeJS.WriteStream | undefined;
  /** Aborted on the first SIGINT/SIGTERM, with the reason as a sentence. */
  signal: AbortSignal;
  /** 130 or 143 once a signal arrived. */
  interruptCode: () => number | undefined;
  /**
   * Synchronous clean-ups (staged archives, the lock) that `main.ts` runs
   * itself if a second signal makes it exit before the run unwinds.
   */
  cleanups: Set<() => void>;
  /** Secrets known so far (the token, once read); `main.ts` blanks them out of everything written to stdout and stderr. */
  secrets: Set<string>;
}
