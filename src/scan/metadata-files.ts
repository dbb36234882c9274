/**
 * The files SimBoard's parser reads from each execution directory (upstream
 * `parsers/parser.py` FILE_SPECS). Patterns are anchored at the start only,
 * like Python's `re.match`. "casedocs" files live in an immediate
 * subdirectory whose lower-cased name starts with `casedocs`.
 */
export interface MetadataSpec {
  key: string;
  pattern: RegExp;
  location: "root" | "casedocs";
  required: boolean;
}

export const METADATA_SPECS: readonly MetadataSpec[] = [
  { key: "env_case", pattern: /^env_case\.xml\..*\.gz/, location: "casedocs", required: true },
  { key: "env_build", pattern: /^env_build\.xml\..*\.gz/, location: "casedocs", required: true },
  { key: "env_run", pattern: /^env_run\.xml\./, location: "casedocs", required: true },
  { key: "readme_case", pattern: /^README\.case\..*\.gz/, location: "casedocs", required: true },
  { key: "case_status", pattern: /^CaseStatus\..*\.gz/, location: "root", required: true },
  { key: "e3sm_timing", pattern: /^e3sm_timing\./, location: "root", required: true },
  { key: "git_describe", pattern: /^GIT_DESCRIBE\..*\.gz/, location: "root", required: true },
  { key: "git_config", pattern: /^GIT_CONFIG\..*\.gz/, location: "root", required: false },
  { key: "git_status", pattern: /^GIT_STATUS\..*\.gz/, location: "root", required: false },
];

export function isCaseDocsDir(name: string): boolean {
  return name.toLowerCase().startsWith("casedocs");
}

/**
 * The server's timing-file rule: a stripped line matching `^LID\s*[:=]\s*(.+)`.
 * Searched in the whole text at once (a timing file is tens of kilobytes;
 * splitting it into lines cost more than the rest of the check): a line
 * start, blanks, `LID`, blanks, `:` or `=`, then anything on the same line
 * that is not blank. `[^\S\n]` is whitespace other than a newline.
 */
export const LID_LINE = /(?:^|\n)[^\S\n]*LID[^\S\n]*[:=][^\n]*?\S/;
