/**
 * The values SimBoard's parser needs from the metadata files. An execution
 * that lacks one is accepted with a 201 yet not created, and its ID is
 * recorded as processed: it would never be sent again. So the client reads
 * them before sending (CONTRACT.md, "What the server reads").
 */
const REQUIRED: Record<string, Array<{ name: string; pattern: RegExp }>> = {
  env_case: [
    { name: "CASE", pattern: entry("CASE") },
    { name: "MACH", pattern: entry("MACH") },
    { name: "COMPSET", pattern: entry("COMPSET") },
  ],
  env_build: [{ name: "GRID", pattern: entry("GRID") }],
  env_run: [
    { name: "RUN_TYPE", pattern: entry("RUN_TYPE") },
    { name: "RUN_STARTDATE", pattern: entry("RUN_STARTDATE") },
  ],
  readme_case: [
    { name: "--res", pattern: /--res[\s=]+\S/ },
    { name: "--compset", pattern: /--compset[\s=]+\S/ },
  ],
};

const REALUSER = entry("REALUSER");

function entry(id: string): RegExp {
  return new RegExp(`<entry\\s+id="${id}"\\s+value="[^"]+"`);
}

/** Whether SimBoard needs values from this file (others are only checked to inflate). */
export function hasRequiredValues(key: string): boolean {
  return key in REQUIRED;
}

/** The names of required values missing from one metadata file's text. */
export function missingValues(key: string, text: string, options: { ownerFallback: boolean }): string[] {
  const missing = (REQUIRED[key] ?? []).filter((value) => !value.pattern.test(text)).map((value) => value.name);
  if (key === "env_case" && !options.ownerFallback && !REALUSER.test(text)) missing.push("REALUSER (or set --hpc-username)");
  return missing;
}
