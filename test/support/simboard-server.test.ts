import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import * as tar from "tar";
import { type CaseSpec, type ExecutionSpec, demoCases, generateArchive, makeLid } from "../../fixtures/generate-archive.ts";
import { DEFAULT_TOKEN, type ServerOptions, type SimboardServer, startSimboardServer } from "./simboard-server.ts";

const API = "/api/v1/ingestions";
const SHA256_OF_NOTHING = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

let server: SimboardServer;
let work: string;

beforeEach(async () => {
  work = mkdtempSync(join(tmpdir(), "simboard-server-test-"));
});
afterEach(async () => {
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
});

async function start(opts?: ServerOptions) {
  server = await startSimboardServer(opts);
  return server;
}

async function getState(machine: string | undefined, token: string | null = DEFAULT_TOKEN, authHeader?: string) {
  const query = machine === undefined ? "" : `?machine_name=${encodeURIComponent(machine)}`;
  const headers: Record<string, string> = {};
  if (authHeader !== undefined) headers.authorization = authHeader;
  else if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${server.url}${API}/state${query}`, { headers });
  return { status: res.status, body: await bodyOf(res) };
}

async function bodyOf(res: Response): Promise<unknown> {
  const text = await res.text();
  return res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
}

interface UploadArgs {
  bytes: Uint8Array;
  ids: string[];
  casePath?: string;
  machine?: string;
  filename?: string;
  token?: string;
  hpcUsername?: string;
  omit?: string[];
}

async function upload(a: UploadArgs) {
  const fd = new FormData();
  const put = (k: string, v: string) => !a.omit?.includes(k) && fd.append(k, v);
  put("machine_name", a.machine ?? "chrysalis");
  put("case_path", a.casePath ?? "/archive/ac.jdoe/caseA");
  for (const id of a.ids) put("processed_execution_ids", id);
  if (a.hpcUsername) put("hpc_username", a.hpcUsername);
  if (!a.omit?.includes("file")) fd.append("file", new File([a.bytes], a.filename ?? "caseA-0123456789ab.tar.gz", { type: "application/gzip" }));
  const res = await fetch(`${server.url}${API}/from-hpc-upload`, {
    method: "POST",
    headers: { authorization: `Bearer ${a.token ?? DEFAULT_TOKEN}` },
    body: fd,
  });
  return { status: res.status, body: await bodyOf(res) };
}

/** Generates one case under `work/root` and packs `<user>/<case>` the way node-tar does by default. */
async function caseArchive(executions: ExecutionSpec[], spec: Partial<CaseSpec> = {}): Promise<Uint8Array> {
  const root = join(work, "root");
  const [generated] = await generateArchive(root, [{ user: "ac.jdoe", name: "caseA", ...spec, executions }]);
  return packTarGz(root, [`${generated!.user}/${generated!.name}`]);
}

function packTarGz(cwd: string, paths: string[]): Uint8Array {
  const file = join(work, `pack-${Math.random().toString(36).slice(2)}.tar.gz`);
  // Async node-tar under Bun 1.4.5 races when it writes a hardlink member ("write after
  // end", Z_STREAM_ERROR, or a hang); its sync mode does not.
  tar.c({ sync: true, gzip: true, cwd, file, portable: true }, paths);
  return readFileSync(file);
}

/** A hand-made one-member tar.gz, for member names node-tar refuses to write. */
function rawTarGz(name: string, type = "0", body = "x"): Uint8Array {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100);
  header.write("0000644\0", 100);
  header.write(`${body.length.toString(8).padStart(11, "0")}\0`, 124);
  header.write("00000000000\0", 136);
  header.write("        ", 148);
  header.write(type, 156);
  header.write("ustar\u000000", 257, "binary");
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  const data = Buffer.alloc(Math.ceil(body.length / 512) * 512);
  data.write(body);
  return gzipSync(Buffer.concat([header, data, Buffer.alloc(1024)]));
}

describe("authentication", () => {
  test("401 bodies name the cause; a plain user gets 403; service accounts and admins get in", async () => {
    await start({ tokens: { [DEFAULT_TOKEN]: "service_account", sbk_admin: "admin", sbk_user: "user" } });
    expect(await getState("chrysalis", null)).toEqual({ status: 401, body: { detail: "Not authenticated" } });
    expect(await getState("chrysalis", null, "Token abc")).toEqual({ status: 401, body: { detail: "Invalid authentication credentials" } });
    expect(await getState("chrysalis", null, "Bearer")).toEqual({ status: 401, body: { detail: "Invalid authentication credentials" } });
    expect(await getState("chrysalis", "sbk_unknown")).toEqual({ status: 401, body: { detail: "Invalid or expired token" } });
    expect(await getState("chrysalis", "sbk_user")).toEqual({
      status: 403,
      body: { detail: "Only administrators and service accounts may read ingestion state." },
    });
    expect((await getState("chrysalis", "sbk_admin")).status).toBe(200);
    expect((await getState("chrysalis")).status).toBe(200);
  });

  test("auth is checked before the form", async () => {
    await start();
    const res = await upload({ bytes: new Uint8Array(), ids: [], token: "sbk_unknown", omit: ["machine_name", "case_path", "file"] });
    expect(res).toEqual({ status: 401, body: { detail: "Invalid or expired token" } });
  });
});

describe("GET /state", () => {
  test("aliases resolve to the canonical machine; unknown machines 404; a missing query 422", async () => {
    await start();
    expect(await getState(" PM-CPU ")).toEqual({ status: 200, body: { machine_name: "perlmutter", cases: {}, discovery_results: {} } });
    expect((await getState("alvarez-gpu")).body).toMatchObject({ machine_name: "alvarez" });
    expect(await getState("nowhere")).toEqual({ status: 404, body: { detail: "Machine 'nowhere' not found." } });
    expect(await getState(undefined)).toEqual({
      status: 422,
      body: { detail: [{ type: "missing", loc: ["query", "machine_name"], msg: "Field required", input: null }] },
    });
  });

  test("unions hpc_path and hpc_upload rows per case path, never browser uploads, with the exact fingerprint", async () => {
    await start();
    const caseA = "/lcrc/group/e3sm/PERF_Chrysalis/performance_archive/ac.jdoe/caseA";
    server.seedIngestion({ machine: "chrysalis", sourceType: "hpc_path", casePath: ` ${caseA} `, processedExecutionIds: [" 2.1-1 ", "10.1-1", ""] });
    server.seedIngestion({ machine: "chrysalis", sourceType: "hpc_upload", casePath: caseA, processedExecutionIds: ["1.1-1", "2.1-1"] });
    server.seedIngestion({ machine: "chrysalis", sourceType: "browser_upload", casePath: caseA, processedExecutionIds: ["9.9-9"] });
    server.seedIngestion({ machine: "chrysalis", sourceType: "hpc_path", casePath: "/b/empty", processedExecutionIds: [] });
    server.seedIngestion({ machine: "compy", sourceType: "hpc_path", casePath: "/c/other", processedExecutionIds: ["3.1-1"] });

    const expected = {
      machine_name: "chrysalis",
      cases: {
        "/b/empty": { processed_execution_ids: [], fingerprint: SHA256_OF_NOTHING },
        [caseA]: { processed_execution_ids: ["1.1-1", "10.1-1", "2.1-1"], fingerprint: sha256("1.1-1\n10.1-1\n2.1-1\n") },
      },
      discovery_results: {},
    };
    expect(await getState("chrysalis")).toEqual({ status: 200, body: expected });
    expect(server.stateFor("chrysalis")).toEqual(expected);
  });

  test("older servers: no discovery_results key", async () => {
    await start({ discoveryResults: false });
    expect((await getState("chrysalis")).body).toEqual({ machine_name: "chrysalis", cases: {} });
  });
});

describe("POST /from-hpc-upload", () => {
  test("201 creates the executions, records the request, and /state then holds the sent IDs", async () => {
    await start();
    const ids = [makeLid(1), makeLid(2)];
    const bytes = await caseArchive(ids.map((id) => ({ id })));
    const res = await upload({ bytes, ids: [...ids].reverse(), casePath: " /archive/ac.jdoe/caseA " });

    expect(res.status).toBe(201);
    const body = res.body as { executions: { id: string; case_id: string }[] };
    expect(res.body).toEqual({
      created_count: 2,
      duplicate_count: 0,
      executions: ids.map((execution_id) => ({ id: expect.any(String), case_id: body.executions[0]!.case_id, case_name: "caseA", execution_id })),
      errors: [],
    });
    expect(server.stateFor("chrysalis")).toEqual({
      machine_name: "chrysalis",
      cases: { "/archive/ac.jdoe/caseA": { processed_execution_ids: ids, fingerprint: sha256(ids.map((i) => `${i}\n`).join("")) } },
      discovery_results: {},
    });

    const [recorded] = server.uploads();
    expect(recorded).toMatchObject({
      method: "POST",
      path: `${API}/from-hpc-upload`,
      status: 201,
      form: {
        fields: [
          ["machine_name", "chrysalis"],
          ["case_path", " /archive/ac.jdoe/caseA "],
          ["processed_execution_ids", ids[1]],
          ["processed_execution_ids", ids[0]],
        ],
        file: { filename: "caseA-0123456789ab.tar.gz", contentType: "application/gzip", size: bytes.length },
      },
    });
    const members = recorded!.form!.file!.members;
    expect(members).toContainEqual({ path: "ac.jdoe/caseA", type: "directory", size: 0 });
    expect(members).toContainEqual({ path: `ac.jdoe/caseA/${ids[0]}/GIT_DESCRIBE.${ids[0]}.gz`, type: "file", size: expect.any(Number) });
    expect(recorded!.headers.authorization).toBe(`Bearer ${DEFAULT_TOKEN}`);
  });

  test("re-uploading stored executions counts duplicates instead of failing", async () => {
    await start();
    const ids = [makeLid(1), makeLid(2)];
    const bytes = await caseArchive(ids.map((id) => ({ id })));
    expect((await upload({ bytes, ids })).status).toBe(201);
    expect(await upload({ bytes, ids })).toEqual({ status: 201, body: { created_count: 0, duplicate_count: 2, executions: [], errors: [] } });
  });

  test("incomplete and invalid executions are skipped silently, yet every sent ID is stored as processed", async () => {
    await start();
    const specs: ExecutionSpec[] = [
      { id: makeLid(1) },
      { id: makeLid(2), kind: "complete-plain-timing" },
      { id: makeLid(3), kind: "missing-required" },
      { id: makeLid(4), kind: "duplicate-key" },
      { id: makeLid(5), kind: "no-lid" },
    ];
    const ids = specs.map((s) => s.id);
    const res = await upload({ bytes: await caseArchive(specs), ids });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ created_count: 2, duplicate_count: 0, errors: [] });
    expect((res.body as { executions: { execution_id: string }[] }).executions.map((e) => e.execution_id)).toEqual(ids.slice(0, 2));
    expect((server.stateFor("chrysalis") as { cases: Record<string, { processed_execution_ids: string[] }> }).cases["/archive/ac.jdoe/caseA"]!.processed_execution_ids).toEqual(ids);
  });

  test("without REALUSER the form's hpc_username owns the case; without either the execution is an error", async () => {
    await start();
    const id = makeLid(1);
    const [generated] = await generateArchive(join(work, "root"), [{ user: "ac.jdoe", name: "caseA", executions: [{ id }] }]);
    const envCase = join(generated!.path, id, `CaseDocs.${id}`, `env_case.xml.${id}.gz`);
    writeFileSync(envCase, gzipSync(gunzipSync(readFileSync(envCase)).toString().replace(/.*"REALUSER".*\n/, "")));
    const bytes = packTarGz(join(work, "root"), ["ac.jdoe/caseA"]);
    expect((await upload({ bytes, ids: [id] })).body).toMatchObject({
      created_count: 0,
      errors: [{ error_type: "ValueError", error: `hpc_username is required but missing from '/tmp/simboard-extract/ac.jdoe/caseA/${id}'. Provide it in parsed metadata or request payload.` }],
    });
    expect((await upload({ bytes, ids: [id], hpcUsername: "ac.jdoe" })).body).toMatchObject({ created_count: 1, errors: [] });
  });

  test("the generator's demo set: only executions it calls complete are created", async () => {
    await start();
    const root = join(work, "root");
    let checked = 0;
    for (const c of await generateArchive(root, demoCases())) {
      const ids = c.executions.map((e) => e.id);
      // Links are left out here; the client under test decides how to pack them.
      const noLinks = c.executions.filter((e) => !["timing.link", "outside.link", "CaseStatus.hardlink"].some((l) => existsSync(join(e.path, l))));
      if (noLinks.length === 0) continue;
      const bytes = packTarGz(root, [`${c.user}/${c.name}/README`, ...noLinks.map((e) => `${c.user}/${c.name}/${e.id}`)]);
      const res = await upload({ bytes, ids, casePath: c.path });
      const created = (res.body as { executions: { execution_id: string }[] }).executions.map((e) => e.execution_id);
      expect(created).toEqual(noLinks.filter((e) => e.kind.startsWith("complete")).map((e) => e.id));
      checked += created.length;
    }
    expect(checked).toBe(3);
  });

  test("metadata problems become per-execution errors in a 201", async () => {
    await start();
    const bytes = await caseArchive([{ id: makeLid(1) }], { machine: "summit" });
    const res = await upload({ bytes, ids: [makeLid(1)] });
    expect(res).toEqual({
      status: 201,
      body: {
        created_count: 0,
        duplicate_count: 0,
        executions: [],
        errors: [
          {
            execution_dir: `/tmp/simboard-extract/ac.jdoe/caseA/${makeLid(1)}`,
            error_type: "LookupError",
            error: "Machine 'summit' not found in database. Please ensure the machine exists before uploading.",
          },
        ],
      },
    });
    expect(server.stateFor("chrysalis")).toMatchObject({ cases: { "/archive/ac.jdoe/caseA": { processed_execution_ids: [makeLid(1)] } } });
  });

  test("symlink and hardlink members are refused with 409 and nothing is stored", async () => {
    await start();
    const symlinked = await caseArchive([{ id: makeLid(1), symlinkInside: true }]);
    expect(await upload({ bytes: symlinked, ids: [makeLid(1)] })).toEqual({
      status: 409,
      body: { detail: `Blocked unsafe tar member type: ac.jdoe/caseA/${makeLid(1)}/timing.link` },
    });
    rmSync(join(work, "root"), { recursive: true });
    const hardlinked = await caseArchive([{ id: makeLid(2), hardlink: true }]);
    const res = await upload({ bytes: hardlinked, ids: [makeLid(2)] });
    expect(res.status).toBe(409);
    expect((res.body as { detail: string }).detail).toStartWith("Blocked unsafe tar member type: ");
    expect(server.uploads()[1]!.form!.file!.members.filter((m) => m.type === "hardlink")).toHaveLength(1);
    expect(server.stateFor("chrysalis")).toMatchObject({ cases: {} });
  });

  test("member paths escaping the extraction root are refused with 409", async () => {
    await start();
    for (const name of ["../evil.txt", "/etc/evil.txt", "a/../../evil.txt"]) {
      const res = await upload({ bytes: rawTarGz(name), ids: ["1.1-1"] });
      expect(res.status).toBe(409);
      expect((res.body as { detail: string }).detail).toStartWith(`Archive member path escapes extraction directory: ${name} -> `);
    }
  });

  test("archives over 50 MiB get 413", async () => {
    await start();
    const res = await upload({ bytes: new Uint8Array(52_428_801), ids: ["1.1-1"] });
    expect(res).toEqual({ status: 413, body: { detail: "File too large" } });
    expect(server.uploads()[0]!.form!.file!.size).toBe(52_428_801);
  });

  test("executions created for two cases give 400 and store nothing", async () => {
    await start();
    const root = join(work, "root");
    await generateArchive(root, [
      { user: "ac.jdoe", name: "caseA", executions: [{ id: makeLid(1) }] },
      { user: "ac.jdoe", name: "caseB", executions: [{ id: makeLid(2) }] },
    ]);
    const res = await upload({ bytes: packTarGz(root, ["ac.jdoe"]), ids: [makeLid(1), makeLid(2)], casePath: "/archive/ac.jdoe" });
    expect(res).toEqual({
      status: 400,
      body: {
        detail: "Automated HPC upload archives must contain exactly one case. Received created executions for multiple cases under '/archive/ac.jdoe'.",
      },
    });
    expect(server.stateFor("chrysalis")).toMatchObject({ cases: {} });
  });

  test("form problems: missing parts 422 with body loc, empty IDs 422 without, role 403, machine 404", async () => {
    await start({ tokens: { [DEFAULT_TOKEN]: "service_account", sbk_user: "user" } });
    const bytes = rawTarGz("x");
    expect(await upload({ bytes, ids: ["1.1-1"], omit: ["file", "case_path"] })).toEqual({
      status: 422,
      body: {
        detail: [
          { type: "missing", loc: ["body", "file"], msg: "Field required", input: null },
          { type: "missing", loc: ["body", "case_path"], msg: "Field required", input: null },
        ],
      },
    });
    expect((await upload({ bytes, ids: [], token: "sbk_user" })).status).toBe(403);
    const noIds = await upload({ bytes, ids: [" ", ""] });
    expect(noIds.status).toBe(422);
    expect((noIds.body as { detail: { loc: string[]; type: string }[] }).detail).toMatchObject([{ type: "too_short", loc: ["processed_execution_ids"] }]);
    expect(await upload({ bytes, ids: ["1.1-1"], machine: "nowhere" })).toEqual({ status: 404, body: { detail: "Machine 'nowhere' not found." } });
  });

  test("file names: wrong suffix 400, upper-case suffix 409, a slash plain-text 500", async () => {
    await start();
    const bytes = await caseArchive([{ id: makeLid(1) }]);
    expect(await upload({ bytes, ids: [makeLid(1)], filename: "caseA.tar" })).toEqual({
      status: 400,
      body: { detail: "File must be a .zip, .tar.gz, or .tgz archive" },
    });
    expect((await upload({ bytes, ids: [makeLid(1)], filename: "caseA.TAR.GZ" })).status).toBe(409);
    expect(await upload({ bytes, ids: [makeLid(1)], filename: "dir/caseA.tar.gz" })).toEqual({ status: 500, body: "Internal Server Error" });
    expect((await upload({ bytes, ids: [makeLid(1)], filename: "caseA.tgz" })).status).toBe(201);
  });

  test("not gzip, or a README.case that is not gzip, fails the whole request with a plain-text 500", async () => {
    await start();
    expect(await upload({ bytes: new TextEncoder().encode("plain"), ids: ["1.1-1"] })).toEqual({ status: 500, body: "Internal Server Error" });
    const bytes = await caseArchive([{ id: makeLid(1) }, { id: makeLid(2), kind: "bad-gzip" }]);
    expect(await upload({ bytes, ids: [makeLid(1), makeLid(2)] })).toEqual({ status: 500, body: "Internal Server Error" });
    expect(server.stateFor("chrysalis")).toMatchObject({ cases: {} });
  });

  test("an archive without execution directories gives 500", async () => {
    await start();
    expect((await upload({ bytes: rawTarGz("ac.jdoe/caseA/README"), ids: ["1.1-1"] })).status).toBe(500);
  });

  test("older servers name the list simulations", async () => {
    await start({ responseListName: "simulations" });
    const res = await upload({ bytes: await caseArchive([{ id: makeLid(1) }]), ids: [makeLid(1)] });
    expect(Object.keys(res.body as object)).toEqual(["created_count", "duplicate_count", "simulations", "errors"]);
  });
});

describe("routing", () => {
  test("unknown paths 404, wrong methods 405, and a pre-patch server has no upload route", async () => {
    await start({ hasHpcUploadRoute: false });
    const res = await fetch(`${server.url}${API}/from-hpc-upload`, { method: "POST", body: "x" });
    expect([res.status, await res.json()]).toEqual([404, { detail: "Not Found" }]);
    const get = await fetch(`${server.url}${API}/state?machine_name=chrysalis`, { method: "DELETE" });
    expect([get.status, await get.json()]).toEqual([405, { detail: "Method Not Allowed" }]);
    expect((await fetch(`${server.url}/api/v1/nothing`)).status).toBe(404);
    expect(server.requests.map((r) => [r.method, r.path, r.status])).toEqual([
      ["POST", `${API}/from-hpc-upload`, 404],
      ["DELETE", `${API}/state`, 405],
      ["GET", "/api/v1/nothing", 404],
    ]);
  });
});

describe("fault injection", () => {
  test("faults answer the next N matching requests, then normal handling resumes", async () => {
    await start();
    server.injectFault({ route: "state", times: 2, status: 503, body: "<html>busy</html>", headers: { "retry-after": "7", "content-type": "text/html" } });
    const res = await fetch(`${server.url}${API}/state?machine_name=chrysalis`, { headers: { authorization: `Bearer ${DEFAULT_TOKEN}` } });
    expect([res.status, res.headers.get("retry-after"), await res.text()]).toEqual([503, "7", "<html>busy</html>"]);
    expect((await getState("chrysalis")).status).toBe(503);
    expect((await getState("chrysalis")).status).toBe(200);
  });

  test("reset drops the connection; afterStore stores before answering with the fault", async () => {
    await start();
    const bytes = await caseArchive([{ id: makeLid(1) }]);
    server.injectFault({ route: "upload", times: 1, reset: true });
    await expect(upload({ bytes, ids: [makeLid(1)] })).rejects.toThrow();
    expect(server.stateFor("chrysalis")).toMatchObject({ cases: {} });

    server.injectFault({ route: "upload", times: 1, reset: true, afterStore: true });
    await expect(upload({ bytes, ids: [makeLid(1)] })).rejects.toThrow();
    expect(server.stateFor("chrysalis")).toMatchObject({ cases: { "/archive/ac.jdoe/caseA": { processed_execution_ids: [makeLid(1)] } } });

    server.injectFault({ route: "upload", times: 1, status: 502, body: { detail: "Bad Gateway" }, afterStore: true });
    expect(await upload({ bytes, ids: [makeLid(1)] })).toEqual({ status: 502, body: { detail: "Bad Gateway" } });
    expect((await upload({ bytes, ids: [makeLid(1)] })).body).toMatchObject({ created_count: 0, duplicate_count: 1 });
    expect(server.uploads().map((r) => r.status)).toEqual([0, 0, 502, 201]);
  });
});
