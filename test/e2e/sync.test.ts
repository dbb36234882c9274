import { afterEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { makeLid, type CaseSpec } from "../../fixtures/generate-archive.ts";
import { idsOf, syncFixture, uploadFields, type SyncFixture } from "../support/sync-fixture.ts";

let fx: SyncFixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

const lid = (n: number) => makeLid(n);

/** Three cases: one brand new, one SimBoard partly has, one it fully has; plus rejects, links and odd names. */
function mixedCases(): CaseSpec[] {
  return [
    {
      user: "ac.jdoe",
      name: "v3.LR.historical_0101",
      executions: [
        { id: lid(1) },
        { id: lid(2), kind: "complete-plain-timing", oddNames: true },
        { id: lid(3), kind: "missing-required" },
        { id: lid(4), kind: "no-lid" },
        { id: lid(5), symlinkInside: true, symlinkOutside: true, hardlink: true },
      ],
    },
    { user: "ac.jdoe", name: "v3.LR.piControl_0201", executions: [{ id: lid(11) }, { id: lid(12) }, { id: lid(13), kind: "duplicate-key" }] },
    { user: "ac.wlin", name: "v3.LR.amip_0401", executions: [{ id: lid(21) }, { id: lid(22), kind: "bad-gzip" }] },
    { user: "ac.wlin", name: "v3.LR.done_0501", executions: [{ id: lid(31) }] },
  ];
}

/** State as NERSC path ingestion and upstream's runner would have written it, from other mounts. */
function seedKnown(f: SyncFixture) {
  f.server.seedIngestion({ machine: "chrysalis", sourceType: "hpc_path", casePath: "/global/cfs/cdirs/e3sm/performance_archive/ac.jdoe/v3.LR.piControl_0201", processedExecutionIds: [lid(11)] });
  f.server.seedIngestion({ machine: "chrysalis", sourceType: "hpc_upload", casePath: "/lcrc/performance_archive/ac.wlin/v3.LR.done_0501", processedExecutionIds: [lid(31)] });
  // Browser uploads never count as state.
  f.server.seedIngestion({ machine: "chrysalis", sourceType: "browser_upload", casePath: "/x/performance_archive/ac.wlin/v3.LR.amip_0401", processedExecutionIds: [lid(21)] });
}

describe("sync against the local SimBoard", () => {
  test("dry run lists exactly the new and changed cases and uploads nothing", async () => {
    fx = await syncFixture(mixedCases());
    seedKnown(fx);
    const result = await fx.run(["sync", "--dry-run", "--json"]);
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.plan.new.map((c: any) => [c.display_path, c.execution_ids])).toEqual([
      ["ac.jdoe/v3.LR.historical_0101", [lid(1), lid(2), lid(5)]],
      ["ac.wlin/v3.LR.amip_0401", [lid(21)]],
    ]);
    expect(report.plan.changed.map((c: any) => [c.display_path, c.execution_ids])).toEqual([["ac.jdoe/v3.LR.piControl_0201", [lid(12)]]]);
    expect(report.plan.unchanged.map((c: any) => c.display_path)).toEqual(["ac.wlin/v3.LR.done_0501"]);
    const rejected = [...report.plan.new, ...report.plan.changed].flatMap((c: any) => c.rejected.map((r: any) => [r.id, r.status]));
    expect(rejected.sort()).toEqual([
      [lid(13), "invalid"],
      [lid(22), "invalid"],
      [lid(3), "incomplete"],
      [lid(4), "incomplete"],
    ].sort());
    for (const c of [...report.plan.new, ...report.plan.changed]) expect(c.digest).toMatch(/^[0-9a-f]{16}$/);
    expect(report.results).toBeNull();
    expect(fx.server.uploads()).toEqual([]);
    expect(fx.server.requests.map((r) => [r.method, r.path, r.query.machine_name])).toEqual([["GET", "/api/v1/ingestions/state", "chrysalis"]]);
  });

  test("text dry run is a plan view: +/~ lines, rejects with reasons, summary", async () => {
    fx = await syncFixture(mixedCases());
    seedKnown(fx);
    const result = await fx.run(["sync", "--dry-run", "-v"]);
    expect(result.exitCode).toBe(0);
    const lines = result.stdout.split("\n");
    expect(lines.filter((l) => /^  [+~=] /.test(l)).map((l) => l.trim().split(/\s+/).slice(0, 2).join(" "))).toEqual([
      "+ ac.jdoe/v3.LR.historical_0101",
      "~ ac.jdoe/v3.LR.piControl_0201",
      "+ ac.wlin/v3.LR.amip_0401",
      "= ac.wlin/v3.LR.done_0501",
    ]);
    expect(lines.filter((l) => l.startsWith("  ! ")).length).toBe(4);
    expect(result.stdout).toContain("Plan: 3 cases to upload (5 executions,");
    expect(result.stdout).toContain("1 unchanged, 0 with only rejected executions, 4 rejected executions, 0 deferred.");
    expect(fx.server.uploads()).toEqual([]);
  });

  test("a real run sends exactly the expected requests, state then holds them, and a second run uploads nothing", async () => {
    fx = await syncFixture(mixedCases());
    seedKnown(fx);
    const first = await fx.run(["sync", "--concurrency", "1"]);
    expect(first.stderr).toBe("");
    expect(first.exitCode).toBe(0);
    const casePath = (user: string, name: string) => `${fx!.root}/${user}/${name}`;
    expect(uploadFields(fx.server)).toEqual([
      [["machine_name", "chrysalis"], ["case_path", casePath("ac.jdoe", "v3.LR.historical_0101")], ["processed_execution_ids", lid(1)], ["processed_execution_ids", lid(2)], ["processed_execution_ids", lid(5)]],
      [["machine_name", "chrysalis"], ["case_path", casePath("ac.jdoe", "v3.LR.piControl_0201")], ["processed_execution_ids", lid(12)]],
      [["machine_name", "chrysalis"], ["case_path", casePath("ac.wlin", "v3.LR.amip_0401")], ["processed_execution_ids", lid(21)]],
    ]);
    const first0 = fx.server.uploads()[0]!.form!.file!;
    const hex = createHash("sha256").update(casePath("ac.jdoe", "v3.LR.historical_0101")).digest("hex").slice(0, 12);
    expect(first0.filename).toBe(`v3.lr.historical_0101-${hex}.tar.gz`);
    expect(first0.contentType).toBe("application/gzip");
    // --pack metadata: the case entry, the new executions and only the files SimBoard reads.
    const l1 = lid(1);
    expect(first0.members.filter((m) => m.path.split("/")[1] === l1).map((m) => m.path.slice(`v3.LR.historical_0101/${l1}/`.length)).sort()).toEqual(
      [
        "",
        `CaseDocs.${l1}`,
        `CaseDocs.${l1}/README.case.${l1}.gz`,
        `CaseDocs.${l1}/env_build.xml.${l1}.gz`,
        `CaseDocs.${l1}/env_case.xml.${l1}.gz`,
        `CaseDocs.${l1}/env_run.xml.${l1}.gz`,
        `CaseStatus.${l1}.gz`,
        `GIT_CONFIG.${l1}.gz`,
        `GIT_DESCRIBE.${l1}.gz`,
        `GIT_STATUS.${l1}.gz`,
        `e3sm_timing.v3.LR.historical_0101.${l1}.gz`,
      ].sort(),
    );
    expect(first0.members.map((m) => m.path.split("/")[1] ?? "").filter((x, i, a) => a.indexOf(x) === i)).toEqual(["", lid(1), lid(2), lid(5)].filter((x, i, a) => a.indexOf(x) === i).sort((a, b) => (a === "" ? -1 : a < b ? -1 : 1)));
    expect(fx.server.uploads().every((u) => u.status === 201)).toBe(true);
    expect(first.stdout).toContain("Result: 3 uploaded, 0 failed, 0 deferred, 0 not attempted; SimBoard created 5 executions, 0 duplicate, 0 execution errors.");

    const state = fx.server.stateFor("chrysalis") as { cases: Record<string, { processed_execution_ids: string[] }> };
    expect(state.cases[casePath("ac.jdoe", "v3.LR.historical_0101")]!.processed_execution_ids).toEqual([lid(1), lid(2), lid(5)]);
    expect(state.cases[casePath("ac.jdoe", "v3.LR.piControl_0201")]!.processed_execution_ids).toEqual([lid(12)]);

    const second = await fx.run(["sync", "--json"]);
    expect(second.exitCode).toBe(0);
    const report = JSON.parse(second.stdout);
    expect([report.plan.new, report.plan.changed, report.results]).toEqual([[], [], []]);
    expect(report.plan.unchanged.map((c: any) => c.display_path)).toEqual(["ac.wlin/v3.LR.done_0501"]);
    expect(fx.server.uploads().length).toBe(3);
  });

  test("links, rejects and odd names never reach SimBoard as link members or processed IDs (--pack full)", async () => {
    fx = await syncFixture(mixedCases());
    const result = await fx.run(["sync", "--pack", "full", "--json"]);
    expect(result.exitCode).toBe(0);
    const uploads = fx.server.uploads();
    expect(uploads.length).toBe(4);
    const members = uploads.flatMap((u) => u.form!.file!.members);
    expect(new Set(members.map((m) => m.type))).toEqual(new Set(["file", "directory"]));
    const sentIds = uploadFields(fx.server).flatMap((f) => f.filter(([k]) => k === "processed_execution_ids").map(([, v]) => v));
    expect(sentIds.sort()).toEqual([lid(1), lid(2), lid(5), lid(11), lid(12), lid(21), lid(31)].sort());
    const l5 = `v3.LR.historical_0101/${lid(5)}`;
    const paths = members.map((m) => m.path);
    expect(paths).toContain(`${l5}/timing.link`); // symlink inside the execution: packed as a regular file
    expect(paths).not.toContain(`${l5}/outside.link`); // symlink leaving the execution: skipped
    expect(paths.filter((p) => p.startsWith(`${l5}/CaseStatus`)).length).toBe(2); // hard link: two regular files
    expect(paths.some((p) => p.includes("Ünïcödé"))).toBe(true);
    const report = JSON.parse(result.stdout);
    const historical = report.plan.new.find((c: any) => c.display_path === "ac.jdoe/v3.LR.historical_0101");
    expect(historical.skipped).toEqual([{ path: `${l5}/outside.link`, reason: "symlink pointing outside the execution directory" }]);
    expect(report.summary.created_count).toBe(7);
  });

  test("an oversized case is split into requests under 50 MiB; a single execution over the limit fails its case", async () => {
    const MiB = 1024 * 1024;
    fx = await syncFixture([
      { user: "ac.big", name: "split_me", executions: [{ id: lid(41), logBytes: 20 * MiB }, { id: lid(42), logBytes: 20 * MiB }, { id: lid(43), logBytes: 20 * MiB }] },
      { user: "ac.big", name: "too_big", executions: [{ id: lid(51), logBytes: 51 * MiB }, { id: lid(52) }] },
    ]);
    const result = await fx.run(["sync", "--pack", "full", "--concurrency", "1"]);
    expect(result.exitCode).toBe(1);
    const uploads = fx.server.uploads();
    for (const upload of uploads) expect(upload.form!.file!.size).toBeLessThanOrEqual(50 * MiB);
    const byCase = uploads.map((u) => [u.form!.fields.find(([k]) => k === "case_path")![1].split("/").pop(), u.form!.fields.filter(([k]) => k === "processed_execution_ids").map(([, v]) => v)]);
    expect(byCase).toEqual([
      ["split_me", [lid(41), lid(42)]],
      ["split_me", [lid(43)]],
      ["too_big", [lid(52)]],
    ]);
    // Each request's archive holds only its own executions.
    expect(new Set(uploads[1]!.form!.file!.members.map((m) => m.path.split("/")[1]).filter(Boolean))).toEqual(new Set([lid(43)]));
    expect(result.stdout).toMatch(/FAILED\s+ac\.big\/too_big\s+.*51\.\d MiB, over SimBoard's 50 MiB limit \(try --pack metadata\)/);
    // The default --pack metadata sends the same executions in one small request each.
    const again = await fx.run(["sync", "--dry-run", "--json"]);
    const plan = JSON.parse(again.stdout).plan;
    expect(plan.changed.map((c: any) => [c.display_path, c.execution_ids])).toEqual([["ac.big/too_big", [lid(51)]]]);
    expect(plan.changed[0].bytes).toBeLessThan(64 * 1024);
  }, 120_000);

  test("one failing case does not stop the others; exit code 1", async () => {
    fx = await syncFixture(mixedCases());
    fx.server.injectFault({ route: "upload", times: 1, status: 422, body: { detail: [{ type: "too_short", loc: ["processed_execution_ids"], msg: "List should have at least 1 item" }] } });
    const result = await fx.run(["sync", "--concurrency", "1", "--json"]);
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.results.map((r: any) => [r.case_path.split("/").pop(), r.status])).toEqual([
      ["v3.LR.historical_0101", "failed"],
      ["v3.LR.piControl_0201", "uploaded"],
      ["v3.LR.amip_0401", "uploaded"],
      ["v3.LR.done_0501", "uploaded"],
    ]);
    expect(report.results[0].reason).toBe("SimBoard answered HTTP 422: processed_execution_ids: List should have at least 1 item");
    expect(report.results[0].requests[0].attempts).toBe(1);
    const state = fx.server.stateFor("chrysalis") as { cases: Record<string, unknown> };
    expect(Object.keys(state.cases).map((k) => k.split("/").pop()).sort()).toEqual(["v3.LR.amip_0401", "v3.LR.done_0501", "v3.LR.piControl_0201"]);
    // The next run sends exactly the case that failed.
    const next = await fx.run(["sync"]);
    expect(next.exitCode).toBe(0);
    expect(fx.server.uploads().slice(4).map((u) => u.form!.fields[1]![1].split("/").pop())).toEqual(["v3.LR.historical_0101"]);
  });

  test("--max-cases defers the rest to the next run", async () => {
    fx = await syncFixture(mixedCases());
    const result = await fx.run(["sync", "--json"], { MAX_CASES_PER_RUN: "2" });
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.plan.deferred.map((c: any) => c.display_path)).toEqual(["ac.wlin/v3.LR.amip_0401", "ac.wlin/v3.LR.done_0501"]);
    expect(fx.server.uploads().length).toBe(2);
    const next = await fx.run(["sync"]);
    expect(next.exitCode).toBe(0);
    expect(fx.server.uploads().length).toBe(4);
  });

  test("DRY_RUN=true from upstream's environment is honoured, and --no-dry-run overrides it", async () => {
    fx = await syncFixture(mixedCases());
    const dry = await fx.run(["sync"], { DRY_RUN: "true" });
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain("dry run, nothing will be uploaded");
    expect(fx.server.uploads()).toEqual([]);
    const real = await fx.run(["sync", "--no-dry-run"], { DRY_RUN: "true" });
    expect(real.exitCode).toBe(0);
    expect(fx.server.uploads().length).toBe(4);
  });

  test("accepts the older `simulations` reply and a state reply without discovery_results", async () => {
    fx = await syncFixture([{ user: "u", name: "c", executions: [{ id: lid(61) }] }], { responseListName: "simulations", discoveryResults: false });
    const result = await fx.run(["sync", "--json"]);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).summary).toMatchObject({ uploaded: 1, created_count: 1 });
  });

  test("--hpc-username is sent after the IDs; per-execution errors in a 201 are reported", async () => {
    fx = await syncFixture([{ user: "ac.x", name: "elsewhere", machine: "summit", executions: [{ id: lid(71) }] }]);
    const result = await fx.run(["sync", "--hpc-username", "ac.bot", "--json"]);
    // SimBoard accepted the archive but could not create the execution: exit 1 so cron mails it.
    expect(result.exitCode).toBe(1);
    expect(uploadFields(fx.server)).toEqual([
      [["machine_name", "chrysalis"], ["case_path", `${fx.root}/ac.x/elsewhere`], ["processed_execution_ids", lid(71)], ["hpc_username", "ac.bot"]],
    ]);
    const request = JSON.parse(result.stdout).results[0].requests[0];
    expect([request.created_count, request.errors.length]).toEqual([0, 1]);
    const text = await fx.run(["sync", "--dry-run"]);
    expect(text.stdout).toContain("1 unchanged");
  });
});
