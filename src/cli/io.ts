/** What the command layer may touch of the process, handed in by `main.ts`. */
export interface CliIo {
  argv: string[];
  env: Record<string, string | undefined>;
  cwd: string;
  home: string;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Present only when stderr is a terminal: progress is drawn there and nowhere else. */
  stderrTty: NodeJS.WriteStream | undefined;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal;
}
