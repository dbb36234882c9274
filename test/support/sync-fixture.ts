import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { generateArchive, type CaseSpec, type GeneratedCase } from "../../fixtures/generate-archive.ts";
import { DEFAULT_TOKEN, startSimboardServer, type ServerOptions, type SimboardServer } from "./simboard-server.ts";
import { runBinary, type BinaryRun } from "./run-binary.ts";

export interface SyncFixture {
  server: SimboardServer;
  root: string;
  cases: GeneratedCase[];
  env: Record<string, string>;
  run: (args: string[], extraEnv?: Record<string, string>) => Promise<BinaryRun>;
  stop: () => Promise<void>;
}

/** A fresh archive under `<tmp>/performance_archive` and a fresh server for one test. */
export async function syncFixture(cases: CaseSpec[], serverOptions: ServerOptions = {}): Promise<SyncFixture> {
  const base = await mkdtemp(path.join(os.tmpdir(), "sbu-e2e-"));
  const root = path.join(base, "performance_archive");
  const generated = await generateArchive(root, cases);
  const server = await startSimboardServer(serverOptions);
  const env = { SIMBOARD_API_TOKEN: DEFAULT_TOKEN, SIMBOARD_API_BASE_URL: server.url, MACHINE_NAME: "chrysalis", PERF_ARCHIVE_ROOT: root };
  return {
    server,
    root,
    cases: generated,
    env,
    run: (args, extraEnv = {}) => runBinary(args, { env: { ...env, ...extraEnv } }),
    stop: () => server.stop(),
  };
}

/** IDs of a generated case by kind, for expectations. */
export function idsOf(generated: GeneratedCase, kinds: string[] = ["complete", "complete-plain-timing"]): string[] {
  return generated.executions.filter((e) => kinds.includes(e.kind)).map((e) => e.id).sort();
}

/** The text parts of every upload request, in order received. */
export function uploadFields(server: SimboardServer) {
  return server.uploads().map((u) => u.form?.fields ?? []);
}
