import { afterEach, describe, expect, test } from "bun:test";
import { mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { generateArchive, makeLid, type CaseSpec, type ExecutionKind } from "../../fixtures/generate-archive.ts";
import { loadHasher } from "../../src/hash/xxh64.ts";
import { openCheckPool, type CheckPool } from "../../src/parallel/check-pool.ts";

const pools: CheckPool[] = [];
afterEach(() => {
  for (const pool of pools.splice(0)) pool.close();
});

const KINDS: ExecutionKind[] = ["complete", "complete-plain-timing", "missing-required", "duplicate-key", "no-lid", "bad-gzip"];

/** 40 cases × 6 executions of every kind: enough items for the workers to start. */
async function archive() {
  const root = path.join(await mkdtemp(path.join(os.tmpdir(), "sbu-pool-")), "performance_archive");
  const specs: CaseSpec[] = Array.from({ length: 40 }, (_, c) => ({
    user: "u",
    name: `case_${c}`,
    executions: KINDS.map((kind, k) => ({ id: makeLid(c * 10 + k), kind, logBytes: k === 0 ? 3000 : 0 })),
  }));
  const cases = await generateArchive(root, specs);
  const executions = cases.flatMap((c) => c.executions.map((e) => ({ id: e.id, path: e.path })));
  return { root, executions };
}

function pool(threads: number, options: Parameters<typeof openCheckPool>[1] = {}): CheckPool {
  const opened = openCheckPool(threads, options);
  pools.push(opened);
  return opened;
}

describe("check pool", () => {
  test("two threads give exactly the results one thread gives, in item order", async () => {
    await loadHasher();
    const { executions } = await archive();
    const job = { kind: "validate" as const, items: executions, ownerFallback: false };
    const one = await pool(1).run(job);
    const two = await pool(2).run(job);
    expect(one.threads).toBe(1);
    expect(two.threads).toBe(2);
    expect(two.results).toEqual(one.results);
    expect(new Set(one.results.map((r) => r.status))).toEqual(new Set(["valid", "incomplete", "invalid"]));

    const whole = { kind: "read-whole" as const, items: executions.map((e) => e.path).concat(path.join(executions[0]!.path, "gone")) };
    const wholeOne = await pool(1).run(whole);
    const wholeTwo = await pool(2).run(whole);
    expect(wholeTwo.threads).toBe(2);
    expect(wholeTwo.results).toEqual(wholeOne.results);
    expect(wholeOne.results.at(-1)).toMatchObject({ ok: false, code: "ENOENT" });
  });

  test("a worker that fails leaves its share to the main thread and nothing is lost", async () => {
    await loadHasher();
    const { root, executions } = await archive();
    const broken = path.join(path.dirname(root), "broken-worker.ts");
    await writeFile(broken, "self.onmessage = () => { throw new Error('worker broke'); };\n");
    const job = { kind: "validate" as const, items: executions, ownerFallback: true };
    const expected = await pool(1).run(job);
    const failing = pool(2, { workerSpecifier: broken });
    const got = await failing.run(job);
    expect(got.threads).toBe(1);
    expect(got.results).toEqual(expected.results);
    // Once a worker failed, later jobs run on this thread from the start.
    expect((await failing.run(job)).results).toEqual(expected.results);
  });

  test("a worker that exits without answering does not hang the run", async () => {
    await loadHasher();
    const { root, executions } = await archive();
    const quitter = path.join(path.dirname(root), "quitting-worker.ts");
    await writeFile(quitter, "self.onmessage = () => process.exit(0);\n");
    const job = { kind: "validate" as const, items: executions, ownerFallback: false };
    const expected = await pool(1).run(job);
    const got = await pool(2, { workerSpecifier: quitter }).run(job);
    expect(got.threads).toBe(1);
    expect(got.results).toEqual(expected.results);
  });

  test("a worker that exits between jobs is not asked again: the next job finishes", async () => {
    await loadHasher();
    const { root, executions } = await archive();
    // Does its share like the real worker, answers, then exits while idle.
    const leaver = path.join(path.dirname(root), "leaving-worker.ts");
    const checkJobs = path.resolve(import.meta.dir, "../../src/parallel/check-jobs.ts");
    const hasher = path.resolve(import.meta.dir, "../../src/hash/xxh64.ts");
    await writeFile(
      leaver,
      `import { drainBatches } from ${JSON.stringify(checkJobs)};
import { loadHasher } from ${JSON.stringify(hasher)};
self.onmessage = async (event) => {
  await loadHasher();
  const { job, counter, batchSize } = event.data;
  const claimed = [];
  drainBatches(job, new Int32Array(counter), batchSize, claimed);
  self.postMessage({ ok: true, claimed });
  setTimeout(() => process.exit(0), 10);
};
`,
    );
    const job = { kind: "validate" as const, items: executions, ownerFallback: false };
    const expected = await pool(1).run(job);
    const leaving = pool(2, { workerSpecifier: leaver });
    const first = await leaving.run(job);
    expect(first.threads).toBe(2);
    expect(first.results).toEqual(expected.results);
    await Bun.sleep(200);
    // Before the fix this awaited the exited worker's reply forever.
    const second = await Promise.race([leaving.run(job), Bun.sleep(10_000).then(() => "hung" as const)]);
    expect(second).not.toBe("hung");
    expect(second === "hung" ? [] : second.results).toEqual(expected.results);
    // Waves of one job are separate asks too.
    const waves = await Promise.race([pool(2, { workerSpecifier: leaver, wave: 70 }).run(job), Bun.sleep(10_000).then(() => "hung" as const)]);
    expect(waves === "hung" ? waves : waves.results).toEqual(expected.results);
  });

  test("a large job runs in waves on both threads, with the same results in item order", async () => {
    await loadHasher();
    const { executions } = await archive();
    const job = { kind: "validate" as const, items: executions, ownerFallback: false };
    const one = await pool(1).run(job);
    const waves = await pool(2, { wave: 70 }).run(job);
    expect(waves.threads).toBe(2);
    expect(waves.results).toEqual(one.results);
  });

  test("a small job never starts a worker", async () => {
    await loadHasher();
    const { executions } = await archive();
    const small = await pool(2).run({ kind: "validate", items: executions.slice(0, 10), ownerFallback: false });
    expect(small.threads).toBe(1);
    expect(small.results.length).toBe(10);
  });
});
