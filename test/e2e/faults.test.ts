import { afterEach, describe, expect, test } from "bun:test";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { makeLid, type CaseSpec } from "../../fixtures/generate-archive.ts";
import type { Fault } from "../support/simboard-server.ts";
import { capturedOutput } from "../support/run-binary.ts";
import { syncFixture, type SyncFixture } from "../support/sync-fixture.ts";

let fx: SyncFixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

const CASES: CaseSpec[] = [
  { user: "ac.a", name: "first", executions: [{ id: makeLid(1) }, { id: makeLid(2) }] },
  { user: "ac.a", name: "second", executions: [{ id: makeLid(3) }] },
];
const ALL_IDS = [makeLid(1), makeLid(2), makeLid(3)];

interface Expectation {
  fault: Omit<Fault, "route">;
  args?: string[];
  /** Status of every upload request the server saw, in order (0: connection dropped). */
  statuses: number[];
  /** Each case's final status in the report. */
  outcomes: string[];
  exitCode: number;
  /** Backoff delays the run asked for, or bounds when jittered. */
  delays: number[] | ((delays: number[]) => void);
  /** Upload requests the next run makes once the fault has cleared. */
  nextRunUploads: string[];
}

/** Runs the binary into a fault, then again with the fault gone, and checks nothing was lost or falsely recorded. */
async function converge(e: Expectation) {
  fx = await syncFixture(CASES);
  fx.server.injectFault({ route: "upload", ...e.fault });
  const log = path.join(await mkdtemp(path.join(os.tmpdir(), "sbu-faultlog-")), "events.ndjson");
  const result = await fx.run(["sync", "--json", "--concurrency", "1", "--log-file", log, "--log-format", "json", ...(e.args ?? [])]);
  expect(result.stderr).toBe("");
  expect(result.exitCode).toBe(e.exitCode);
  const report = JSON.parse(result.stdout);
  expect(report.results.map((r: any) => r.status)).toEqual(e.outcomes);
  expect(fx.server.uploads().map((u) => u.status)).toEqual(e.statuses);
  // Every attempt of one request carried the same archive bytes.
  const sizes = new Set(fx.server.uploads().filter((u) => u.form?.fields[1]?.[1].endsWith("/first")).map((u) => u.form?.file?.size));
  expect(sizes.size).toBeLessThanOrEqual(1);
  const logText = await Bun.file(log).text();
  capturedOutput.push(logText);
  const events = logText.trim().split("\n").map((l) => JSON.parse(l));
  const delays = events.filter((ev) => ev.event === "case_ingestion_request_failed" && ev.retry_in_ms !== undefined).map((ev) => ev.retry_in_ms);
  if (typeof e.delays === "function") e.delays(delays);
  else expect(delays).toEqual(e.delays);

  // Nothing recorded as processed without an accepted archive.
  const recorded = Object.values((fx.server.stateFor("chrysalis") as any).cases).flatMap((c: any) => c.processed_execution_ids);
  const accepted = fx.server.uploads().filter((u) => u.status === 201 || (u.status === 0 && e.fault.afterStore)).flatMap((u) => u.form!.fields.filter(([k]) => k === "processed_execution_ids").map(([, v]) => v));
  expect(new Set(recorded)).toEqual(new Set(accepted));

  const before = fx.server.uploads().length;
  const next = await fx.run(["sync", "--json"]);
  expect(next.exitCode).toBe(0);
  expect(fx.server.uploads().slice(before).map((u) => u.form!.fields[1]![1].split("/").pop()).sort()).toEqual(e.nextRunUploads);
  const final = Object.values((fx.server.stateFor("chrysalis") as any).cases).flatMap((c: any) => c.processed_execution_ids);
  expect(final.sort()).toEqual(ALL_IDS);
  // A third run has nothing left to do.
  const third = JSON.parse((await fx.run(["sync", "--json"])).stdout);
  expect(third.results).toEqual([]);
}

const jitterWithin = (ceilings: number[]) => (delays: number[]) => {
  expect(delays.length).toBe(ceilings.length);
  delays.forEach((d, i) => expect(d >= 0 && d <= ceilings[i]!).toBe(true));
};

describe("fault injection: the compiled binary against a misbehaving SimBoard", () => {
  test("503 with Retry-After, twice: retried after the delays asked for, then accepted", () =>
    converge({
      fault: { times: 2, status: 503, body: { detail: "Service Unavailable" }, headers: { "retry-after": "12" } },
      statuses: [503, 503, 201, 201],
      outcomes: ["uploaded", "uploaded"],
      exitCode: 0,
      delays: [12_000, 12_000],
      nextRunUploads: [],
    }));

  test("Retry-After as an HTTP date and over --max-retry-after is capped", () =>
    converge({
      fault: { times: 1, status: 429, body: "slow down", headers: { "retry-after": new Date(Date.now() + 3_600_000).toUTCString() } },
      args: ["--max-retry-after", "90s"],
      statuses: [429, 201, 201],
      outcomes: ["uploaded", "uploaded"],
      exitCode: 0,
      delays: [90_000],
      nextRunUploads: [],
    }));

  test("500 with a plain-text body on every attempt: the case fails after --max-attempts with jittered backoff", () =>
    converge({
      fault: { times: 3, status: 500, body: "Internal Server Error" },
      statuses: [500, 500, 500, 201],
      outcomes: ["failed", "uploaded"],
      exitCode: 1,
      delays: jitterWithin([1000, 2000]),
      nextRunUploads: ["first"],
    }));

  test("an HTML error page from a proxy (502) is retried", () =>
    converge({
      fault: { times: 1, status: 502, body: "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", headers: { "content-type": "text/html" } },
      statuses: [502, 201, 201],
      outcomes: ["uploaded", "uploaded"],
      exitCode: 0,
      delays: jitterWithin([1000]),
      nextRunUploads: [],
    }));

  test("connection reset in the middle of an upload is retried with the same bytes", () =>
    converge({
      fault: { times: 1, resetMidBody: true },
      statuses: [0, 201, 201],
      outcomes: ["uploaded", "uploaded"],
      exitCode: 0,
      delays: jitterWithin([1000]),
      nextRunUploads: [],
    }));

  test("a server that hangs is cut off by --timeout and retried", () =>
    converge({
      fault: { times: 1, hang: true },
      args: ["--timeout", "1"],
      statuses: [0, 201, 201],
      outcomes: ["uploaded", "uploaded"],
      exitCode: 0,
      delays: jitterWithin([1000]),
      nextRunUploads: [],
    }));

  test("stored but the reply was lost: the retry is a duplicate, not a double count, and the run exits 0", () =>
    converge({
      fault: { times: 1, reset: true, afterStore: true },
      statuses: [0, 201, 201],
      outcomes: ["uploaded", "uploaded"],
      exitCode: 0,
      delays: jitterWithin([1000]),
      nextRunUploads: [],
    }));

  test("a 409 conflict with an earlier timed-out attempt of the same request is retried", async () => {
    fx = await syncFixture(CASES.slice(0, 1));
    fx.server.injectFault({ route: "upload", times: 1, hang: true });
    fx.server.injectFault({ route: "upload", times: 1, status: 409, body: { detail: "Constraint violation while writing to the database." } });
    const result = await fx.run(["sync", "--json", "--timeout", "1"]);
    expect(result.exitCode).toBe(0);
    expect(fx.server.uploads().map((u) => u.status)).toEqual([0, 409, 201]);
    expect(JSON.parse(result.stdout).results[0].requests[0].attempts).toBe(3);
  });

  for (const status of [413, 409, 422]) {
    test(`${status} fails that case alone, without retry`, () =>
      converge({
        fault: { times: 1, status, body: { detail: `refused with ${status}` } },
        statuses: [status, 201],
        outcomes: ["failed", "uploaded"],
        exitCode: 1,
        delays: [],
        nextRunUploads: ["first"],
      }));
  }

  for (const status of [401, 403, 404]) {
    test(`${status} on upload stops the run: no further case is attempted`, () =>
      converge({
        fault: { times: 1, status, body: { detail: status === 404 ? "Not Found" : `refused with ${status}` } },
        statuses: [status],
        outcomes: ["failed", "not-attempted"],
        exitCode: 1,
        delays: [],
        nextRunUploads: ["first", "second"],
      }));
  }

  test("201 with a body of the wrong shape counts as accepted, with a warning", () =>
    converge({
      fault: { times: 1, status: 201, body: { created: "yes" }, afterStore: true },
      statuses: [201, 201],
      outcomes: ["uploaded", "uploaded"],
      exitCode: 0,
      delays: [],
      nextRunUploads: [],
    }));
});

describe("--max-duration", () => {
  test("once reached, no new upload starts; the report lists the cases not attempted and the run exits 1", async () => {
    fx = await syncFixture(CASES);
    fx.server.injectFault({ route: "upload", times: 1, hang: true });
    const result = await fx.run(["sync", "--json", "--concurrency", "1", "--max-duration", "1", "--timeout", "30"]);
    expect(result.exitCode).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.results.map((r: any) => [r.status, r.reason])).toEqual([
      ["failed", "request aborted: the run reached --max-duration (1 s)"],
      ["not-attempted", "the run reached --max-duration (1 s)"],
    ]);
    expect(fx.server.uploads().length).toBe(1);
    expect(Object.keys((fx.server.stateFor("chrysalis") as any).cases)).toEqual([]);
  });
});
