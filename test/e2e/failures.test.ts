import { afterEach, describe, expect, test } from "bun:test";
import { chmod, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { makeLid, type CaseSpec } from "../../fixtures/generate-archive.ts";
import { DEFAULT_TOKEN } from "../support/simboard-server.ts";
import { runBinary, testTokens, writeConfig } from "../support/run-binary.ts";
import { syncFixture, type SyncFixture } from "../support/sync-fixture.ts";

let fx: SyncFixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

const OTHER_TOKEN = "sbk_other0token0that0must0never0be0printed0XXXXX";
testTokens.add(OTHER_TOKEN);
const twoCases: CaseSpec[] = [
  { user: "ac.a", name: "one", executions: [{ id: makeLid(1) }] },
  { user: "ac.a", name: "two", executions: [{ id: makeLid(2) }] },
];

/** The single line a failed run prints on stderr. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  expect(lines.length).toBe(1);
  return lines[0]!;
}

describe("state fetch failures stop the run before any upload (exit 3)", () => {
  test("unknown token → 401 names the token", async () => {
    fx = await syncFixture(twoCases);
    const result = await fx.run(["sync"], { SIMBOARD_API_TOKEN: OTHER_TOKEN });
    expect(result.exitCode).toBe(3);
    expect(oneLine(result.stderr)).toBe(
      "simboard-upload: SimBoard rejected the API token (401 Invalid or expired token); check SIMBOARD_API_TOKEN or tokenFile holds a current service-account token",
    );
    expect(fx.server.uploads()).toEqual([]);
  });

  test("a non-service account → 403", async () => {
    fx = await syncFixture(twoCases, { tokens: { [DEFAULT_TOKEN]: "user" } });
    const result = await fx.run(["sync"]);
    expect(result.exitCode).toBe(3);
    expect(oneLine(result.stderr)).toStartWith("simboard-upload: the API token's account may not read ingestion state (403 ");
  });

  test("unknown machine → 404 names the machine setting", async () => {
    fx = await syncFixture(twoCases);
    const result = await fx.run(["sync", "--machine", "summit"]);
    expect(result.exitCode).toBe(3);
    expect(oneLine(result.stderr)).toBe("simboard-upload: SimBoard does not know machine 'summit' (404 Machine 'summit' not found.); check --machine / MACHINE_NAME");
  });

  test("machine aliases resolve (pm-cpu → perlmutter)", async () => {
    fx = await syncFixture(twoCases);
    const result = await fx.run(["sync", "--dry-run", "--json", "--machine", "PM-CPU"]);
    expect(result.exitCode).toBe(0);
    expect(JSON.parse(result.stdout).machine).toBe("perlmutter");
  });

  test("unreachable server, retried, then one line; --json still prints a document", async () => {
    fx = await syncFixture(twoCases);
    const url = fx.server.url;
    await fx.server.stop();
    const result = await fx.run(["sync", "--json", "-v"], { SIMBOARD_API_BASE_URL: url });
    expect(result.exitCode).toBe(3);
    const retries = result.stderr.split("\n").filter((l) => l.includes("event=case_ingestion_request_failed") || l.includes("event=state_fetch_failed"));
    expect(retries.length).toBe(1);
    expect(result.stderr).toContain("simboard-upload: SimBoard unreachable: cannot reach");
    expect(JSON.parse(result.stdout)).toEqual({ error: expect.stringContaining("SimBoard unreachable"), exit_code: 3 });
    fx = undefined;
  });

  test("a wrong base URL (no such route) says to check apiUrl", async () => {
    fx = await syncFixture(twoCases);
    const result = await fx.run(["sync"], { SIMBOARD_API_BASE_URL: `${fx.server.url}/not-simboard/` });
    expect(result.exitCode).toBe(3);
    expect(oneLine(result.stderr)).toContain("check apiUrl points at the SimBoard API");
  });

  test("transient 503s on the state GET are retried", async () => {
    fx = await syncFixture(twoCases);
    fx.server.injectFault({ route: "state", times: 2, status: 503, body: "Service Unavailable", headers: { "retry-after": "2" } });
    const result = await fx.run(["sync", "--dry-run"]);
    expect(result.exitCode).toBe(0);
    expect(fx.server.requests.filter((r) => r.path.endsWith("/state")).map((r) => r.status)).toEqual([503, 503, 200]);
  });
});

describe("upload failures", () => {
  test("transient failures are retried with the same bytes, honouring Retry-After", async () => {
    fx = await syncFixture(twoCases.slice(0, 1));
    fx.server.injectFault({ route: "upload", times: 2, status: 503, body: { detail: "restarting" }, headers: { "retry-after": "7" } });
    const log = path.join(await mkdtemp(path.join(os.tmpdir(), "sbu-log-")), "events.log");
    const result = await fx.run(["sync", "--log-file", log, "--log-format", "json"]);
    expect(result.exitCode).toBe(0);
    const uploads = fx.server.uploads();
    expect(uploads.map((u) => u.status)).toEqual([503, 503, 201]);
    expect(new Set(uploads.map((u) => JSON.stringify(u.form!.file!.members))).size).toBe(1);
    expect(new Set(uploads.map((u) => u.form!.file!.size)).size).toBe(1);
    const events = (await Bun.file(log).text()).trim().split("\n").map((l) => JSON.parse(l));
    expect(events.filter((e) => e.event === "case_ingestion_request_failed").map((e) => [e.attempt, e.retry_in_ms])).toEqual([
      [1, 7000],
      [2, 7000],
    ]);
    expect(events.map((e) => e.event)).toEqual([
      "run_started",
      "state_fetched",
      "scan_completed",
      "executions_validated",
      "case_hashed",
      "archive_created",
      "case_upload_attempt",
      "case_ingestion_request_failed",
      "case_upload_attempt",
      "case_ingestion_request_failed",
      "case_upload_attempt",
      "case_ingested",
      "run_finished",
    ]);
  });

  test("persistent 500s fail the case after --max-attempts; exit 1", async () => {
    fx = await syncFixture(twoCases.slice(0, 1));
    fx.server.injectFault({ route: "upload", times: 10, status: 500, body: "Internal Server Error" });
    const result = await fx.run(["sync", "--max-attempts", "2"]);
    expect(result.exitCode).toBe(1);
    expect(fx.server.uploads().length).toBe(2);
    expect(result.stdout).toContain("FAILED    ac.a/one  SimBoard answered HTTP 500: Internal Server Error (after 2 attempts)");
  });

  test("a server without the upload route gets one clear message and no further uploads", async () => {
    fx = await syncFixture(twoCases, { hasHpcUploadRoute: false });
    const result = await fx.run(["sync", "--concurrency", "1", "--json"]);
    expect(result.exitCode).toBe(1);
    expect(fx.server.uploads().map((u) => u.status)).toEqual([404]);
    const report = JSON.parse(result.stdout);
    expect(report.results.map((r: any) => r.status)).toEqual(["failed", "not-attempted"]);
    expect(report.results[0].reason).toContain("has no automated HPC upload route (POST /ingestions/from-hpc-upload answered 404); the server needs the from-hpc-upload change");
  });

  test("a 201 whose body is not JSON counts as accepted, with a warning", async () => {
    fx = await syncFixture(twoCases.slice(0, 1));
    fx.server.injectFault({ route: "upload", times: 1, status: 201, body: "<html>ok</html>", afterStore: true });
    const result = await fx.run(["sync"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("warning: SimBoard answered 201 but the body is not JSON");
    const next = await fx.run(["sync", "--json"]);
    expect(JSON.parse(next.stdout).plan.unchanged.length).toBe(1);
  });
});

describe("configuration errors exit 2 with one line", () => {
  const base = { SIMBOARD_API_BASE_URL: "http://127.0.0.1:9", MACHINE_NAME: "chrysalis", PERF_ARCHIVE_ROOT: "/tmp" };

  test("no token", async () => {
    const result = await runBinary(["sync"], { env: base });
    expect(result.exitCode).toBe(2);
    expect(oneLine(result.stderr)).toStartWith("simboard-upload: no API token: set SIMBOARD_API_TOKEN");
  });

  test("a token file readable by others is refused", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "sbu-token-"));
    const file = path.join(dir, "token");
    await writeFile(file, `${OTHER_TOKEN}\n`);
    await chmod(file, 0o644);
    const result = await runBinary(["sync"], { env: { ...base, SIMBOARD_API_TOKEN_FILE: file } });
    expect(result.exitCode).toBe(2);
    expect(oneLine(result.stderr)).toBe(`simboard-upload: token file ${file} is readable by group or others; run: chmod 600 ${file}`);
  });

  test("a missing token file", async () => {
    const result = await runBinary(["sync"], { env: { ...base, SIMBOARD_API_TOKEN_FILE: "/nonexistent/token" } });
    expect(result.exitCode).toBe(2);
    expect(oneLine(result.stderr)).toBe("simboard-upload: token file not found: /nonexistent/token");
  });

  test("unknown config keys name the nearest valid one; wrong types name the field and file", async () => {
    const file = await writeConfig({ machine: "chrysalis", archivRoot: "/tmp", maxAttempts: "many" });
    const result = await runBinary(["sync", "--config", file], { env: { SIMBOARD_API_TOKEN: OTHER_TOKEN } });
    expect(result.exitCode).toBe(2);
    expect(oneLine(result.stderr)).toBe(
      `simboard-upload: maxAttempts: Invalid input: expected number, received string (in ${file}); archivRoot: unknown setting (did you mean archiveRoot?)`,
    );
  });

  test("malformed JSON config", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "sbu-bad-"));
    await writeFile(path.join(dir, "simboard.config.json"), '{"machine": "chrysalis",');
    const result = await runBinary(["sync"], { env: { SIMBOARD_API_TOKEN: OTHER_TOKEN }, cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(oneLine(result.stderr)).toStartWith("simboard-upload: config file could not be parsed:");
  });

  test("malformed YAML config", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "sbu-bad-"));
    await writeFile(path.join(dir, ".simboardrc.yaml"), "machine: [chrysalis\narchiveRoot: /x\n");
    const result = await runBinary(["sync"], { env: { SIMBOARD_API_TOKEN: OTHER_TOKEN }, cwd: dir });
    expect(result.exitCode).toBe(2);
    expect(oneLine(result.stderr)).toStartWith("simboard-upload: config file could not be parsed:");
  });

  test("a URL without a scheme", async () => {
    const result = await runBinary(["sync", "--api-url", "simboard-api.e3sm.org"], { env: { ...base, SIMBOARD_API_TOKEN: OTHER_TOKEN } });
    expect(result.exitCode).toBe(2);
    expect(oneLine(result.stderr)).toBe("simboard-upload: apiUrl: must be an http:// or https:// URL (from --api-url)");
  });

  test("YAML config is found by search; relative paths resolve against the file's directory; flags win", async () => {
    fx = await syncFixture(twoCases);
    const dir = path.dirname(fx.root);
    await writeFile(path.join(dir, ".simboardrc.yaml"), `apiUrl: ${fx.server.url}/api/v1/\nmachine: compy\narchiveRoot: ./performance_archive\n`);
    const result = await runBinary(["sync", "--dry-run", "--json", "--machine", "chrysalis"], { env: { SIMBOARD_API_TOKEN: DEFAULT_TOKEN }, cwd: dir });
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect([report.machine, report.archive_root, report.plan.new.length]).toEqual(["chrysalis", fx.root, 2]);
  });

  test("a missing archive root", async () => {
    fx = await syncFixture(twoCases);
    const result = await fx.run(["sync", "--archive-root", "/nonexistent/archive"]);
    expect(result.exitCode).toBe(2);
    expect(oneLine(result.stderr)).toBe("simboard-upload: archiveRoot: /nonexistent/archive does not exist; check PERF_ARCHIVE_ROOT / --archive-root");
  });

  test("a bad flag value and an unknown command", async () => {
    const bad = await runBinary(["sync", "--pack", "everything"], { env: base });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("argument 'everything' is invalid");
    const unknown = await runBinary(["upload"], { env: base });
    expect(unknown.exitCode).toBe(2);
  });

  test("--help lists the exit codes; --version prints the version", async () => {
    const help = await runBinary(["--help"]);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain("Exit codes:");
    expect(help.stdout).toContain("  3  SimBoard unreachable");
    const version = await runBinary(["--version"]);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe("the state command", () => {
  test("prints cases, counts and fingerprints; --json prints the parsed reply", async () => {
    fx = await syncFixture(twoCases);
    fx.server.seedIngestion({ machine: "chrysalis", sourceType: "hpc_upload", casePath: "/p/performance_archive/ac.a/one", processedExecutionIds: [makeLid(1)] });
    const text = await fx.run(["state"]);
    expect(text.exitCode).toBe(0);
    expect(text.stdout).toContain("1 case");
    expect(text.stdout).toContain("/p/performance_archive/ac.a/one");
    const json = await fx.run(["state", "--json"]);
    expect(JSON.parse(json.stdout)).toEqual(fx.server.stateFor("chrysalis") as object);
  });
});
