/** SimBoard's seeded machines and the aliases its machine lookup accepts. */
export const SEEDED_MACHINES = [
  "alvarez",
  "andes",
  "aurora",
  "chrysalis",
  "compy",
  "frontier",
  "muller",
  "perlmutter",
  "polaris",
] as const;

const ALIASES: Record<string, string> = {
  pm: "perlmutter",
  "pm-cpu": "perlmutter",
  "pm-gpu": "perlmutter",
  "muller-cpu": "muller",
  "muller-gpu": "muller",
  "alvarez-cpu": "alvarez",
  "alvarez-gpu": "alvarez",
};

/** Trimmed, lower-cased, alias-resolved name; the name SimBoard would look up. */
export function canonicalMachineName(name: string): string {
  const normalized = name.trim().toLowerCase();
  return ALIASES[normalized] ?? normalized;
}

/** The seeded machine `name` designates, or undefined (SimBoard answers 404). */
export function resolveMachine(name: string): string | undefined {
  const canonical = canonicalMachineName(name);
  return (SEEDED_MACHINES as readonly string[]).includes(canonical) ? canonical : undefined;
}
