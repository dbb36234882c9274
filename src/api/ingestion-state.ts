import { z } from "zod";

const CaseStateSchema = z.looseObject({
  processed_execution_ids: z.array(z.string()),
  fingerprint: z.string(),
});

const DiscoveryResultSchema = z.looseObject({
  case_identity: z.string(),
  execution_id: z.string(),
  outcome: z.string(),
});

/** `GET /ingestions/state`; `discovery_results` only exists on newer servers. */
export const IngestionStateSchema = z.looseObject({
  machine_name: z.string(),
  cases: z.record(z.string(), CaseStateSchema),
  discovery_results: z.record(z.string(), z.array(DiscoveryResultSchema)).default({}),
});

export type IngestionState = z.infer<typeof IngestionStateSchema>;
