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
 * The server's timing-file rule (upstream `parsers/e3sm_timing.py`): some line
 * of `text.splitlines()` that, after `str.strip()`, matches
 * `LID\s*[:=]\s*(.+)`. Python splits lines at more than `\n` and strips more
 * than ASCII blanks, so both sets are spelled out. Searched in the whole text
 * at once (a timing file is tens of kilobytes; splitting it into lines cost
 * more than the rest of the check): a line start, blanks, `LID`, blanks,
 * `:` or `=`, then something on the same line that is not whitespace.
 */
const LINE_BREAK = "\\n\\v\\f\\r\\x1c-\\x1e\\x85\\u2028\\u2029";
/** Python's whitespace (`str.isspace`, `re`'s `\s`) that does not break a line. */
const BLANK = "\\t\\x1f \\xa0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000";
export const LID_LINE = new RegExp(`(?:^|[${LINE_BREAK}])[${BLANK}]*LID[${BLANK}]*[:=][^${LINE_BREAK}]*?[^${LINE_BREAK}${BLANK}]`);
