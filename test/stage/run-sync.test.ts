import { afterEach, describe, expect, test } from "bun:test";
import { appendFile, mkdir, mkdtemp, readdir, rm, unlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { generateArchive, makeLid } from "../../fixtures/generate-archive.ts";
import { createSimboardApi } from "../../src/api/simboard-api.ts";
import { openCheckPool } from "../../src/parallel/check-pool.ts";
import { caseDigest } from "../../src/hash/hash-cases.ts";
import { listCase, type CaseMembers } from "../../src/pack/case-members.ts";
import { packArchive } from "../../src/pack/pack-archive.ts";
import { casesToUpload } from "../../src/plan/sync-plan.ts";
import { DEFAULT_RETRY } from "../../src/retry/retry-policy.ts";
import { runSync } from "../../src/sync/run-sync.ts";
import type { SyncDeps, SyncOptions } from "../../src/sync/stage-context.ts";
import { uploadCase } from "../../src/upload/upload-case.ts";
import { memoryReporter } from "../support/memory-reporter.ts";
import { DEFAULT_TOKEN, startSimboardServer, type SimboardServer } from "../support/simboard-server.ts";

let server: SimboardServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

async function setup(
  specs: Parameters<typeof generateArchive>[1] = [
    { user: "u", name: "a", executions: [{ id: makeLid(1) }, { id: makeLid(2) }] },
    { user: "u", name: "b", executions: [{ id: makeLid(3) }] },
  ],
) {
  const base = await mkdtemp(path.join(os.tmpdir(), "sbu-stage-"));
  const root = path.join(base, "performance_archive");
  const cases = await generateArchive(root, specs);
  server = await startSimboardServer();
  const reporter = memoryReporter();
  const staging = path.join(base, "staging");
  const delays: number[] = [];
  const deps: SyncDeps = {
    api: createSimboardApi({ apiUrl: server.url, token: DEFAULT_TOKEN, timeoutMs: 10_000, userAgent: "test", now: () => 0 }),
    reporter,
    checks: openCheckPool(1),
    sleep: async (ms) => void delays.push(ms),
    random: () => 1,
    makeStagingDir: () => mkdir(staging, { recursive: true, mode: 0o700 }).then(() => staging),
  };
  const options: SyncOptions = {
    machine: "chrysalis",
    archiveRoot: root,
    dryRun: false,
    maxCases: undefined,
    pack: "metadata",
    concurrency: 2,
    hpcUsername: undefined,
    retry: { ...DEFAULT_RETRY, maxAttempts: 3 },
    gzipLevel: 6,
    archiveLimitBytes: 50 * 1024 * 1024,
  };
  return { base, root, cases, reporter, deps, options, staging, delays };
}

function membersOf(planned: Parameters<typeof listCase>[0], mode: "metadata" | "full" = "metadata"): CaseMembers {
  const listed = listCase(planned, mode);
  if ("changed" in listed) throw new Error(listed.changed);
  return listed;
}

function filesOf(planned: Parameters<typeof listCase>[0]) {
  return membersOf(planned).executions.flatMap((e) => e.entries);
}

/** Packs the planned executions and returns the case digest of exactly the bytes packed. */
async function packedDigest(planned: Parameters<typeof listCase>[0], mode: "metadata" | "full", dir: string): Promise<{ digest: string; bytes: number }> {
  const members = membersOf(planned, mode);
  const archive = await packArchive(members, planned.uploadIds, path.join(dir, "x.tar.gz"), 6);
  const executions = planned.uploadIds.map((id) => ({ id, content: archive.contents.get(id)! }));
  return { digest: caseDigest(members.caseName, executions), bytes: executions.reduce((n, e) => n + e.content.bytes, 0) };
}

describe("runSync (in process, real server and tree)", () => {
  test("a dry run and a real run share the plan; only the real run posts; staging is removed", async () => {
    const s = await setup();
    const dry = await runSync({ ...s.options, dryRun: true }, s.deps);
    expect(dry.results).toBeUndefined();
    expect(server!.uploads()).toEqual([]);
    const real = await runSync(s.options, s.deps);
    expect(real.plan).toEqual(dry.plan);
    expect(real.results!.map((r) => [path.basename(r.casePath), r.status])).toEqual([["a", "uploaded"], ["b", "uploaded"]]);
    expect(server!.uploads().length).toBe(2);
    expect(await readdir(s.base)).not.toContain("staging");
    const events = s.reporter.events.map((e) => e.event);
    expect(events.filter((e) => e === "case_ingested").length).toBe(2);
  });

  test("a case whose files change after hashing is deferred as changed-during-run, not uploaded", async () => {
    const s = await setup();
    const outcome = await runSync({ ...s.options, dryRun: true }, s.deps);
    const planned = casesToUpload(outcome.plan)[0]!;
    const plannedHash = outcome.hashes.get(planned.casePath)!;
    // A job still writing: the timing file grows between planning and packing.
    const timing = filesOf(planned).find((e) => e.relativePath.includes("e3sm_timing"))!;
    await appendFile(timing.absolutePath, "more");
    const result = await uploadCase(planned, plannedHash, { options: s.options, deps: s.deps, stagingDir: s.staging, halt: {} }, 0);
    expect(result).toEqual({ casePath: planned.casePath, status: "deferred", reason: "changed-during-run", requests: [] });
    expect(server!.uploads()).toEqual([]);
    expect(s.reporter.events.at(-1)).toEqual({ event: "case_deferred", case_path: planned.casePath, reason: "changed-during-run" });
  });

  test("a file that vanishes between planning and packing defers the case", async () => {
    const s = await setup();
    const outcome = await runSync({ ...s.options, dryRun: true }, s.deps);
    const planned = casesToUpload(outcome.plan)[0]!;
    const plannedHash = outcome.hashes.get(planned.casePath)!;
    const status = filesOf(planned).find((e) => e.relativePath.includes("CaseStatus"))!;
    await unlink(status.absolutePath);
    const result = await uploadCase(planned, plannedHash, { options: s.options, deps: s.deps, stagingDir: s.staging, halt: {} }, 0);
    expect([result.status, result.reason]).toEqual(["deferred", "changed-during-run"]);
    expect(server!.uploads()).toEqual([]);
  });

  test("a staging directory removed under a run fails the case (exit 1), it does not defer it as changed", async () => {
    const s = await setup([{ user: "u", name: "big", executions: [{ id: makeLid(1), logBytes: 2 * 1024 * 1024 }] }]);
    const options = { ...s.options, pack: "full" as const };
    const outcome = await runSync({ ...options, dryRun: true }, s.deps);
    const planned = casesToUpload(outcome.plan)[0]!;
    // Over 1 MiB compressed: this archive is staged on disk, in a directory a tmp cleaner has removed.
    const result = await uploadCase(planned, outcome.hashes.get(planned.casePath)!, { options, deps: s.deps, stagingDir: path.join(s.base, "cleaned-away"), halt: {} }, 0);
    expect(result.status).toBe("failed");
    expect(result.reason).toContain("cannot write the staging file");
    expect(result.reason).toContain("(ENOENT); check that TMPDIR exists");
    expect(s.reporter.events.filter((e) => e.event === "case_ingestion_failed").map((e) => e.case_path)).toEqual([planned.casePath]);
    expect(server!.uploads()).toEqual([]);
  });

  test("an unexpected error stays with its case even when the event log cannot be written", async () => {
    const s = await setup();
    const outcome = await runSync({ ...s.options, dryRun: true }, s.deps);
    const planned = casesToUpload(outcome.plan)[0]!;
    const brokenLog = { emit: () => { throw new Error("write EPIPE"); } };
    // No planned hash: the case fails inside, and reporting that failure fails too.
    const result = await uploadCase(planned, undefined as never, { options: s.options, deps: { ...s.deps, reporter: brokenLog }, stagingDir: s.staging, halt: {} }, 0);
    expect(result).toMatchObject({ casePath: planned.casePath, status: "failed", requests: [] });
    expect(server!.uploads()).toEqual([]);
  });

  test("an execution directory removed between planning and packing defers the case", async () => {
    const s = await setup();
    const outcome = await runSync({ ...s.options, dryRun: true }, s.deps);
    const planned = casesToUpload(outcome.plan)[0]!;
    await rm(path.join(planned.casePath, planned.uploadIds[0]!), { recursive: true });
    for (const pack of ["metadata", "full"] as const) {
      const result = await uploadCase(planned, outcome.hashes.get(planned.casePath)!, { options: { ...s.options, pack }, deps: s.deps, stagingDir: s.staging, halt: {} }, 0);
      expect([result.status, result.reason]).toEqual(["deferred", "changed-during-run"]);
    }
    expect(server!.uploads()).toEqual([]);
  });

  test("the digest covers names, sizes and content of exactly the packed files", async () => {
    const s = await setup();
    const outcome = await runSync({ ...s.options, dryRun: true }, s.deps);
    const planned = casesToUpload(outcome.plan)[0]!;
    await mkdir(s.staging, { recursive: true });
    const first = await packedDigest(planned, "metadata", s.staging);
    const again = await packedDigest(planned, "metadata", s.staging);
    const full = await packedDigest(planned, "full", s.staging);
    expect(again.digest).toBe(first.digest);
    expect(full.digest).not.toBe(first.digest);
    expect(full.bytes).toBeGreaterThan(first.bytes);
    // A file SimBoard does not read changes the full digest but not the metadata one.
    await appendFile(path.join(planned.casePath, makeLid(1), `timing.${makeLid(1)}.tar.gz`), "x");
    expect((await packedDigest(planned, "metadata", s.staging)).digest).toBe(first.digest);
    expect((await packedDigest(planned, "full", s.staging)).digest).not.toBe(full.digest);
    // The plan's digest (from validation) and the digest of the packed bytes agree.
    expect((outcome.hashes.get(planned.casePath) as { digest: string }).digest).toBe(first.digest);
  });

  test("--pack full: the plan's digest is the digest of the bytes packed", async () => {
    const s = await setup();
    const outcome = await runSync({ ...s.options, pack: "full", dryRun: true }, s.deps);
    const planned = casesToUpload(outcome.plan)[0]!;
    await mkdir(s.staging, { recursive: true });
    expect((await packedDigest(planned, "full", s.staging)).digest).toBe((outcome.hashes.get(planned.casePath) as { digest: string }).digest);
  });

  test("a case split over requests that changes after the first was sent fails with what was sent; the next run sends the rest", async () => {
    const s = await setup([{ user: "u", name: "a", executions: [{ id: makeLid(1) }, { id: makeLid(2), kind: "complete-plain-timing" }] }]);
    // About 2 KB per archive, ~8 KB of tar per execution: one execution per request.
    const options = { ...s.options, archiveLimitBytes: 10 * 1024 };
    const timing = path.join(s.cases[0]!.path, makeLid(2), `e3sm_timing.a.${makeLid(2)}`);
    const real = s.deps.api;
    let sent = 0;
    // A job writing into the second execution right after the first request landed.
    const deps: SyncDeps = {
      ...s.deps,
      api: { ...real, root: real.root, fetchState: real.fetchState, uploadCase: async (request) => ((sent += 1) === 1 ? real.uploadCase(request).finally(() => appendFile(timing, "still writing\n")) : real.uploadCase(request)) },
    };
    const first = await runSync(options, deps);
    expect(first.results!.map((r) => [r.status, r.reason, r.requests.map((q) => q.executionIds)])).toEqual([
      ["failed", "the case changed while it was being uploaded; the next run sends the rest", [[makeLid(1)]]],
    ]);
    expect(server!.uploads().map((u) => u.status)).toEqual([201]);
    const second = await runSync(options, s.deps);
    expect(second.results!.map((r) => [r.status, r.requests.map((q) => q.executionIds)])).toEqual([["uploaded", [[makeLid(2)]]]]);
  });
});
