import { afterEach, describe, expect, test } from "bun:test";
import { mkdtemp, readdir } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { makeLid, type CaseSpec } from "../../fixtures/generate-archive.ts";
import { startBinary, waitFor } from "../support/run-binary.ts";
import { syncFixture, type SyncFixture } from "../support/sync-fixture.ts";

let fx: SyncFixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

const CASES: CaseSpec[] = [
  { user: "ac.a", name: "first", executions: [{ id: makeLid(1) }] },
  { user: "ac.a", name: "second", executions: [{ id: makeLid(2) }] },
  { user: "ac.a", name: "third", executions: [{ id: makeLid(3) }] },
];

async function dirs() {
  const base = await mkdtemp(path.join(os.tmpdir(), "sbu-signal-"));
  const tmp = path.join(base, "tmp");
  const state = path.join(base, "state");
  await Bun.$`mkdir -p ${tmp} ${state}`;
  return { tmp, state, home: base };
}

describe("signals sent to the compiled binary mid-upload", () => {
  test("SIGTERM: the request in flight finishes within the grace period, no new upload starts, partial report, exit 143", async () => {
    fx = await syncFixture(CASES);
    fx.server.injectFault({ route: "upload", times: 1, delayMs: 1500 });
    const d = await dirs();
    const run = startBinary(["sync", "--json", "--concurrency", "1", "--state-dir", d.state], { ...fx.env, TMPDIR: d.tmp, HOME: d.home });
    await waitFor(() => fx!.server.requests.some((r) => r.method === "POST"));
    run.child.kill("SIGTERM");
    const result = await run.done;
    expect(result.exitCode).toBe(143);
    const report = JSON.parse(result.stdout);
    expect(report.results.map((r: any) => [r.status, r.reason ?? null])).toEqual([
      ["uploaded", null],
      ["not-attempted", "interrupted by SIGTERM"],
      ["not-attempted", "interrupted by SIGTERM"],
    ]);
    expect(report.exit_code).toBe(143);
    expect(await readdir(d.tmp)).toEqual([]);
    expect(await readdir(d.state)).toEqual([]);
  });

  test("SIGINT: a request that outlives the grace period is aborted; staged archives removed; exit 130", async () => {
    fx = await syncFixture(CASES);
    fx.server.injectFault({ route: "upload", times: 1, hang: true });
    const d = await dirs();
    const run = startBinary(["sync", "--concurrency", "1", "--state-dir", d.state], { ...fx.env, TMPDIR: d.tmp, HOME: d.home });
    await waitFor(() => fx!.server.requests.some((r) => r.method === "POST"));
    expect((await readdir(d.tmp)).length).toBe(1);
    run.child.kill("SIGINT");
    const result = await run.done;
    expect(result.exitCode).toBe(130);
    expect(result.stdout).toContain("FAILED    ac.a/first  request aborted: interrupted by SIGINT");
    expect(result.stdout).toContain("Result: 0 uploaded, 1 failed, 0 deferred, 2 not attempted");
    expect(fx.server.uploads().length).toBe(1);
    expect(await readdir(d.tmp)).toEqual([]);
    expect(await readdir(d.state)).toEqual([]);
  }, 20_000);

  test("a second signal exits at once, still removing staged archives and the lock", async () => {
    fx = await syncFixture(CASES);
    fx.server.injectFault({ route: "upload", times: 1, hang: true });
    const d = await dirs();
    const run = startBinary(["sync", "--concurrency", "1", "--state-dir", d.state], { ...fx.env, TMPDIR: d.tmp, HOME: d.home });
    await waitFor(() => fx!.server.requests.some((r) => r.method === "POST"));
    expect((await readdir(d.state)).length).toBe(1);
    // The token travels in the environment, never in the process arguments `ps` shows.
    const cmdline = await Bun.file(`/proc/${run.child.pid}/cmdline`).text();
    expect(cmdline.split("\0").filter(Boolean)).toEqual([expect.stringMatching(/simboard-upload$/), "sync", "--concurrency", "1", "--state-dir", d.state]);
    expect(cmdline).not.toContain(fx.env.SIMBOARD_API_TOKEN);
    const started = Date.now();
    run.child.kill("SIGTERM");
    await Bun.sleep(200);
    run.child.kill("SIGTERM");
    const result = await run.done;
    expect(result.exitCode).toBe(143);
    expect(Date.now() - started).toBeLessThan(4000);
    expect(await readdir(d.tmp)).toEqual([]);
    expect(await readdir(d.state)).toEqual([]);
  });
});

describe("overlapping runs", () => {
  test("a second real process exits 4 naming the holder while the first is uploading", async () => {
    fx = await syncFixture(CASES);
    fx.server.injectFault({ route: "upload", times: 1, delayMs: 1500 });
    const d = await dirs();
    const env = { ...fx.env, TMPDIR: d.tmp, HOME: d.home };
    const first = startBinary(["sync", "--state-dir", d.state], env);
    await waitFor(() => fx!.server.requests.some((r) => r.method === "POST"));
    const second = await startBinary(["sync", "--state-dir", d.state], env).done;
    expect(second.exitCode).toBe(4);
    expect(second.stderr).toMatch(new RegExp(`^simboard-upload: another run holds the lock \\(pid ${first.child.pid} on ${os.hostname()}, started [0-9T:.-]+Z\\); lock file ${d.state}/sync-[0-9a-f]{16}\\.lock\\. If no such run exists, delete the file\\n$`));
    const firstResult = await first.done;
    expect(firstResult.exitCode).toBe(0);
    expect(fx.server.uploads().filter((u) => u.status === 201).length).toBe(3);
    const after = await startBinary(["sync", "--state-dir", d.state], env).done;
    expect(after.exitCode).toBe(0);
  });
});
