/**
 * Floors: the I/O each measured task cannot avoid, done by standard tools,
 * so a ratio says how much the binary adds on top of the file system.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";

/** One shell command and what it stands for, run through `sh -c` and timed like the binary. */
export interface FloorCommand {
  label: string;
  argv: string[];
}

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
const sh = (label: string, script: string): FloorCommand => ({ label, argv: ["sh", "-c", script] });

/**
 * Dry run / no-op floor (issue 5): one walk listing every file below every
 * execution directory and its CaseDocs directory (depth ≥ 4 below the root),
 * plus reading each e3sm_timing file, which is the least a correct planner
 * must read to tell a complete execution (it needs the LID line).
 */
export function scanFloor(root: string): FloorCommand {
  return sh(
    "find exec+CaseDocs files, cat e3sm_timing.*",
    `find ${q(root)} -mindepth 4 -type f -fprint /dev/null -name 'e3sm_timing.*' -print0 | xargs -0 -r cat > /dev/null`,
  );
}

/**
 * The tighter floor of a no-op run: when SimBoard already has every
 * execution, only the execution directories' names are needed (upstream's
 * reference figure is this command on 5,000 executions: 0.04 s).
 */
export function directoryFloor(root: string): FloorCommand {
  return sh("find -mindepth 3 -maxdepth 3 -type d", `find ${q(root)} -mindepth 3 -maxdepth 3 -type d > /dev/null`);
}

/** Reading exactly the bytes a hash pass reads, with `cat`, from a NUL-separated file list. */
export async function catFloor(files: string[], listDir: string, name: string): Promise<FloorCommand> {
  const list = path.join(listDir, `${name}.files`);
  await writeFile(list, files.map((f) => `${f}\0`).join(""));
  return sh("cat the same files > /dev/null", `xargs -0 -r cat < ${q(list)} > /dev/null`);
}

/** `tar czf` (gzip level 6, one core) of the same execution directories into /dev/null. */
export async function tarFloor(root: string, executionDirs: string[], listDir: string, name: string): Promise<FloorCommand> {
  const list = path.join(listDir, `${name}.dirs`);
  await writeFile(list, executionDirs.map((d) => `${path.relative(root, d)}\0`).join(""));
  return sh("tar czf - <exec dirs> > /dev/null", `tar czf - -C ${q(root)} --null -T ${q(list)} > /dev/null`);
}

/** Not a floor: reads every file once so every timed run starts with a warm page cache. */
export function warmCache(root: string): FloorCommand {
  return sh("warm the page cache", `find ${q(root)} -type f -print0 | xargs -0 -r cat > /dev/null`);
}
