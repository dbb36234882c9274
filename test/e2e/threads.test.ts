import { afterEach, describe, expect, test } from "bun:test";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { makeLid, type CaseSpec, type ExecutionKind } from "../../fixtures/generate-archive.ts";
import { syncFixture, type SyncFixture } from "../support/sync-fixture.ts";

let fx: SyncFixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

const KINDS: ExecutionKind[] = ["complete", "complete", "complete", "complete-plain-timing", "missing-required", "bad-gzip"];

/** 250 executions, so validation is large enough for the worker to start. */
function manyCases(): CaseSpec[] {
  return Array.from({ length: 42 }, (_, c) => ({
    user: `ac.user${c % 3}`,
    name: `v3.LR.threads_${String(c).padStart(3, "0")}`,
    executions: KINDS.slice(0, c === 41 ? 4 : 6).map((kind, k) => ({ id: makeLid(c * 10 + k), kind, logBytes: k === 1 ? 4096 : 0 })),
  }));
}

async function events(log: string): Promise<Array<Record<string, unknown>>> {
  return (await Bun.file(log).text()).trim().split("\n").map((line) => JSON.parse(line));
}

describe("threads", () => {
  test("the compiled binary validates and hashes on a second thread, with the plan one thread makes", async () => {
    fx = await syncFixture(manyCases());
    const dir = await mkdtemp(path.join(os.tmpdir(), "sbu-threads-"));
    const run = async (threads: string, pack: string) => {
      const log = path.join(dir, `events-${threads}-${pack}.log`);
      const result = await fx!.run(["sync", "--dry-run", "--json", "--pack", pack, "--hash-concurrency", threads, "--log-file", log, "--log-format", "json"]);
      expect(result.exitCode).toBe(0);
      return { report: JSON.parse(result.stdout), events: await events(log) };
    };
    for (const pack of ["metadata", "full"]) {
      const one = await run("1", pack);
      const two = await run("2", pack);
      expect(one.events.find((e) => e.event === "executions_validated")).toMatchObject({ checked: 250, threads: 1 });
      // The worker is a second entry point of the binary: this proves it is inside.
      expect(two.events.find((e) => e.event === "executions_validated")).toMatchObject({ checked: 250, threads: 2 });
      expect(two.report.plan).toEqual(one.report.plan);
      const digests = (r: typeof one) => r.events.filter((e) => e.event === "case_hashed").map((e) => [e.case_path, e.digest, e.bytes]);
      expect(digests(two)).toEqual(digests(one));
      expect(digests(one).length).toBe(42);
    }
    expect(fx.server.uploads()).toEqual([]);
  });

  test("a real run with two threads uploads every valid execution once", async () => {
    fx = await syncFixture(manyCases());
    const result = await fx.run(["sync", "--json", "--pack", "full"]);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.results.length).toBe(42);
    const sent = fx.server.uploads().flatMap((u) => u.form!.fields.filter(([k]) => k === "processed_execution_ids").map(([, v]) => v));
    // Per case: 3 complete + 1 plain-timing valid (the last case has 4 executions, all valid).
    expect(sent.length).toBe(42 * 4);
    expect(new Set(sent).size).toBe(sent.length);
    const again = await fx.run(["sync", "--dry-run", "--json"]);
    expect(JSON.parse(again.stdout).plan.new).toEqual([]);
  });
});
