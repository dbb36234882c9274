/**
 * Secrets and transport, end to end: a site CA for an HTTPS SimBoard, the
 * proxy environment variables, and the refusal to send the token over plain
 * http:// to another host. Every run's traffic stays on loopback: the
 * recording proxy answers 502 itself for any other target.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { copyFile, mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { makeLid, type CaseSpec } from "../../fixtures/generate-archive.ts";
import { startRecordingProxy, type RecordingProxy } from "../support/recording-proxy.ts";
import { DEFAULT_TOKEN } from "../support/simboard-server.ts";
import { capturedOutput, writeConfig } from "../support/run-binary.ts";
import { idsOf, syncFixture, uploadFields, type SyncFixture } from "../support/sync-fixture.ts";
import { testCa } from "../support/test-ca.ts";

let fx: SyncFixture | undefined;
let proxy: RecordingProxy | undefined;
afterEach(async () => {
  await fx?.stop();
  await proxy?.stop();
  fx = undefined;
  proxy = undefined;
});

const oneCase: CaseSpec[] = [{ user: "ac.a", name: "one", executions: [{ id: makeLid(1) }, { id: makeLid(2) }] }];
const STATE = "/api/v1/ingestions/state";
const UPLOAD = "/api/v1/ingestions/from-hpc-upload";

/** The single line a failed run prints on stderr. */
function oneLine(stderr: string): string {
  const lines = stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

/** What the server received, as [method, path]. */
const seen = (f: SyncFixture) => f.server.requests.map((r) => [r.method, r.path]);

/** One upload of the one case, carrying both execution IDs. */
function expectOneUpload(f: SyncFixture): void {
  expect(uploadFields(f.server)).toEqual([
    [
      ["machine_name", "chrysalis"],
      ["case_path", path.join(f.root, "ac.a", "one")],
      ...idsOf(f.cases[0]!).map((id): [string, string] => ["processed_execution_ids", id]),
    ],
  ]);
  expect(f.server.uploads().map((u) => u.status)).toEqual([201]);
}

async function httpsFixture(): Promise<SyncFixture> {
  const ca = await testCa();
  return syncFixture(oneCase, { tls: { cert: ca.cert, key: ca.key } });
}

describe("HTTPS with a site CA", () => {
  test("--ca-file trusts the site CA: state and upload over TLS", async () => {
    fx = await httpsFixture();
    expect(fx.server.url).toStartWith("https://127.0.0.1:");
    const ca = await testCa();
    const result = await fx.run(["sync", "--ca-file", ca.caCertFile]);
    expect(result.exitCode).toBe(0);
    expect(seen(fx)).toEqual([
      ["GET", STATE],
      ["POST", UPLOAD],
    ]);
    expectOneUpload(fx);
  });

  test("dry-run twin: --ca-file verifies, reads state, uploads nothing", async () => {
    fx = await httpsFixture();
    const result = await fx.run(["sync", "--dry-run", "--ca-file", (await testCa()).caCertFile]);
    expect(result.exitCode).toBe(0);
    expect(seen(fx)).toEqual([["GET", STATE]]);
  });

  test("without the CA the certificate is rejected: exit 3, one line, no upload", async () => {
    fx = await httpsFixture();
    const result = await fx.run(["sync"]);
    expect(result.exitCode).toBe(3);
    const line = oneLine(result.stderr);
    expect(line).toStartWith(`simboard-upload: SimBoard unreachable: cannot reach ${fx.server.url}/api/v1: `);
    expect(line).toMatch(/certificate|UNABLE_TO_VERIFY|SELF_SIGNED|CERT/i);
    expect(line).toEndWith("; check apiUrl, the network and any proxy");
    // The handshake fails before any HTTP request reaches the handler.
    expect(fx.server.requests).toEqual([]);
  });

  test("a certificate failure is final: one connection, no retry", async () => {
    fx = await httpsFixture();
    // Through a tunnelling proxy every attempt is one CONNECT, so the proxy
    // counts attempts; a retryable failure (server gone) would show three.
    proxy = await startRecordingProxy();
    const result = await fx.run(["sync", "--max-attempts", "3"], { HTTPS_PROXY: proxy.url, NO_PROXY: "" });
    expect(result.exitCode).toBe(3);
    expect(oneLine(result.stderr)).toContain("SimBoard unreachable");
    expect(proxy.lines()).toEqual([`CONNECT ${new URL(fx.server.url).host}`]);
    expect(fx.server.requests).toEqual([]);
  });

  test("caFile in a config file, relative to that file's directory", async () => {
    fx = await httpsFixture();
    const config = await writeConfig({ caFile: "certs/site-ca.pem" });
    await mkdir(path.join(path.dirname(config), "certs"));
    await copyFile((await testCa()).caCertFile, path.join(path.dirname(config), "certs", "site-ca.pem"));
    const result = await fx.run(["sync", "--config", config]);
    expect(result.exitCode).toBe(0);
    expectOneUpload(fx);
  });

  test("a --ca-file that does not exist: exit 2, one line, no request", async () => {
    fx = await httpsFixture();
    const missing = path.join(await mkdtemp(path.join(os.tmpdir(), "sbu-ca-")), "nope.pem");
    const result = await fx.run(["sync", "--ca-file", missing]);
    expect(result.exitCode).toBe(2);
    expect(oneLine(result.stderr)).toBe(`simboard-upload: caFile: cannot read ${missing} (ENOENT)`);
    expect(fx.server.requests).toEqual([]);
  });

  test("a --ca-file holding no PEM certificate: exit 2, one line, no request", async () => {
    fx = await httpsFixture();
    const notPem = path.join(await mkdtemp(path.join(os.tmpdir(), "sbu-ca-")), "ca.pem");
    await writeFile(notPem, "this is not a certificate\n");
    const result = await fx.run(["sync", "--ca-file", notPem]);
    expect(result.exitCode).toBe(2);
    expect(oneLine(result.stderr)).toBe(`simboard-upload: caFile: ${notPem} holds no PEM certificate`);
    expect(fx.server.requests).toEqual([]);
  });
});

describe("proxies from the environment", () => {
  test("HTTP_PROXY carries the state GET and the upload POST", async () => {
    fx = await syncFixture(oneCase);
    proxy = await startRecordingProxy();
    const result = await fx.run(["sync"], { HTTP_PROXY: proxy.url, NO_PROXY: "" });
    expect(result.exitCode).toBe(0);
    expect(proxy.lines()).toEqual([`GET ${fx.server.url}${STATE}?machine_name=chrysalis`, `POST ${fx.server.url}${UPLOAD}`]);
    expect(proxy.requests.every((r) => r.forwarded)).toBe(true);
    expectOneUpload(fx);
  });

  test("dry-run twin through HTTP_PROXY: only the state GET passes", async () => {
    fx = await syncFixture(oneCase);
    proxy = await startRecordingProxy();
    const result = await fx.run(["sync", "--dry-run"], { HTTP_PROXY: proxy.url, NO_PROXY: "" });
    expect(result.exitCode).toBe(0);
    expect(proxy.lines()).toEqual([`GET ${fx.server.url}${STATE}?machine_name=chrysalis`]);
    expect(fx.server.uploads()).toEqual([]);
  });

  test("NO_PROXY=127.0.0.1 bypasses the proxy", async () => {
    fx = await syncFixture(oneCase);
    proxy = await startRecordingProxy();
    const result = await fx.run(["sync"], { HTTP_PROXY: proxy.url, NO_PROXY: "127.0.0.1" });
    expect(result.exitCode).toBe(0);
    expect(proxy.lines()).toEqual([]);
    expectOneUpload(fx);
  });

  test("HTTPS_PROXY tunnels with CONNECT; the token travels only inside the tunnel", async () => {
    fx = await httpsFixture();
    proxy = await startRecordingProxy();
    const result = await fx.run(["sync", "--ca-file", (await testCa()).caCertFile], { HTTPS_PROXY: proxy.url, NO_PROXY: "" });
    expect(result.exitCode).toBe(0);
    const authority = new URL(fx.server.url).host;
    // One tunnel per connection the client opens; every one goes to the server.
    expect(proxy.lines().length).toBeGreaterThan(0);
    expect(new Set(proxy.lines())).toEqual(new Set([`CONNECT ${authority}`]));
    for (const r of proxy.requests) expect(r.headerNames).not.toContain("authorization");
    expect(seen(fx)).toEqual([
      ["GET", STATE],
      ["POST", UPLOAD],
    ]);
    expectOneUpload(fx);
  });
});

describe("plain http:// to another host", () => {
  test("is refused before any network use: exit 2, one line", async () => {
    fx = await syncFixture(oneCase);
    // A proxy in the environment catches anything the run might send.
    proxy = await startRecordingProxy();
    const result = await fx.run(["sync", "--api-url", "http://simboard.example.org"], { HTTP_PROXY: proxy.url, NO_PROXY: "" });
    expect(result.exitCode).toBe(2);
    expect(oneLine(result.stderr)).toBe(
      "simboard-upload: apiUrl: http://simboard.example.org is plain http:// to another host, which would send the API token in clear text; use https:// or pass --allow-insecure-http",
    );
    expect(proxy.lines()).toEqual([]);
    expect(fx.server.requests).toEqual([]);
  });

  test("--allow-insecure-http lets the request go (here, to the proxy, which refuses it)", async () => {
    fx = await syncFixture(oneCase);
    proxy = await startRecordingProxy();
    const result = await fx.run(["sync", "--api-url", "http://simboard.example.org", "--allow-insecure-http", "--max-attempts", "1"], {
      HTTP_PROXY: proxy.url,
      NO_PROXY: "",
    });
    expect(result.exitCode).toBe(3);
    expect(oneLine(result.stderr)).toStartWith("simboard-upload: ");
    expect(proxy.requests.map((r) => [r.method, r.target, r.forwarded])).toEqual([
      ["GET", `http://simboard.example.org${STATE}?machine_name=chrysalis`, false],
    ]);
    expect(fx.server.requests).toEqual([]);
  });
});
