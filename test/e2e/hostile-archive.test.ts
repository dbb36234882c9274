import { afterEach, describe, expect, test } from "bun:test";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { writeFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { makeLid } from "../../fixtures/generate-archive.ts";
import { syncFixture, type SyncFixture } from "../support/sync-fixture.ts";

let fx: SyncFixture | undefined;
const servers: net.Server[] = [];
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
  servers.splice(0).forEach((s) => s.close());
});

/** Adds what a shared filesystem can hold and SimBoard cannot take to an execution directory. */
async function addHostileEntries(executionDir: string) {
  await Bun.$`mkfifo ${path.join(executionDir, "pipe.fifo")}`;
  const socketServer = net.createServer().listen(path.join(executionDir, "daemon.sock"));
  servers.push(socketServer);
  await new Promise((resolve) => socketServer.once("listening", resolve));
  await symlink("loop.b", path.join(executionDir, "loop.a"));
  await symlink("loop.a", path.join(executionDir, "loop.b"));
  await symlink("..", path.join(executionDir, "parent.dir.link"));
  await writeFile(path.join(executionDir, "line\nbreak.txt"), "a name with a newline\n");
  writeFileSync(Buffer.concat([Buffer.from(`${executionDir}/latin1-`), Buffer.from([0xe9]), Buffer.from(".txt")]), "not UTF-8\n");
}

describe("hostile and broken archive content", () => {
  test("FIFOs, sockets, symlink loops, directory links and non-UTF-8 names are skipped and reported; odd but valid names travel", async () => {
    fx = await syncFixture([{ user: "ac.odd", name: "case with spaces", executions: [{ id: makeLid(1), oddNames: true }, { id: makeLid(2) }] }]);
    const executionDir = path.join(fx.root, "ac.odd", "case with spaces", makeLid(1));
    await addHostileEntries(executionDir);
    // A case directory whose name is not UTF-8 cannot be sent as case_path.
    const badCase = Buffer.concat([Buffer.from(`${fx.root}/ac.odd/bad-`), Buffer.from([0xff])]);
    await mkdir(Buffer.concat([badCase, Buffer.from(`/${makeLid(9)}`)]) as unknown as string, { recursive: true });

    const result = await fx.run(["sync", "--pack", "full", "--json"]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.plan.unreadable).toEqual([{ path: "ac.odd/bad-\uFFFD", reason: "name is not valid UTF-8" }]);
    const planned = report.plan.new[0];
    expect(planned.execution_ids).toEqual([makeLid(1), makeLid(2)]);
    const prefix = `case with spaces/${makeLid(1)}/`;
    expect(planned.skipped.map((s: any) => [s.path.slice(prefix.length), s.reason]).sort()).toEqual(
      [
        ["daemon.sock", "not a regular file (socket, FIFO or device)"],
        ["latin1-\uFFFD.txt", "name is not valid UTF-8"],
        ["loop.a", "broken symlink or symlink loop"],
        ["loop.b", "broken symlink or symlink loop"],
        ["parent.dir.link", "symlink pointing outside the execution directory"],
        ["pipe.fifo", "not a regular file (socket, FIFO or device)"],
      ].sort(),
    );
    const upload = fx.server.uploads()[0]!;
    expect(upload.form!.fields[1]).toEqual(["case_path", `${fx.root}/ac.odd/case with spaces`]);
    const members = upload.form!.file!.members;
    expect(new Set(members.map((m) => m.type))).toEqual(new Set(["file", "directory"]));
    expect(members.map((m) => m.path)).toContain(`${prefix}line\nbreak.txt`);
  });

  test("one execution directory of 100,000 files: metadata mode reads only what SimBoard needs", async () => {
    fx = await syncFixture([{ user: "ac.big", name: "many_files", executions: [{ id: makeLid(11) }] }]);
    const executionDir = path.join(fx.root, "ac.big", "many_files", makeLid(11));
    const logs = path.join(executionDir, "logs");
    await mkdir(logs);
    for (let i = 0; i < 100_000; i++) writeFileSync(path.join(i % 2 ? logs : executionDir, `rank.${i}.log`), "");
    const result = await fx.run(["sync", "--json"]);
    expect(result.exitCode).toBe(0);
    const members = fx.server.uploads()[0]!.form!.file!.members;
    // The case, the execution, CaseDocs and its 4 files, and the 5 metadata files at the execution root.
    expect(members.length).toBe(12);
  }, 120_000);

  test("an archive root that is a file, or is missing, is a configuration error", async () => {
    fx = await syncFixture([{ user: "u", name: "c", executions: [{ id: makeLid(21) }] }]);
    const file = path.join(fx.root, "u", "c", "README");
    const notDir = await fx.run(["sync", "--archive-root", file]);
    expect(notDir.exitCode).toBe(2);
    expect(notDir.stderr.trim()).toBe(`simboard-upload: archiveRoot: ${file} is not a directory`);
    expect(fx.server.uploads()).toEqual([]);
  });
});

describe("metadata SimBoard would accept yet not ingest", () => {
  test("missing values and truncated gzip are rejected before sending; --hpc-username supplies a missing owner", async () => {
    fx = await syncFixture([{ user: "ac.meta", name: "values", executions: [{ id: makeLid(31) }, { id: makeLid(32) }, { id: makeLid(33) }] }]);
    const exec = (n: number) => path.join(fx!.root, "ac.meta", "values", makeLid(n));
    const caseDocs = (n: number) => path.join(exec(n), `CaseDocs.${makeLid(n)}`);
    // 31: env_case without REALUSER; 32: a README.case cut short mid-copy; 33: env_build without GRID.
    const envCase = path.join(caseDocs(31), `env_case.xml.${makeLid(31)}.gz`);
    const text = Bun.gunzipSync(await Bun.file(envCase).bytes());
    await Bun.write(envCase, Bun.gzipSync(Buffer.from(new TextDecoder().decode(text).replace(/<entry id="REALUSER"[^>]*>/, ""))));
    const readme = path.join(caseDocs(32), `README.case.${makeLid(32)}.gz`);
    const bytes = await Bun.file(readme).bytes();
    await Bun.write(readme, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const envBuild = path.join(caseDocs(33), `env_build.xml.${makeLid(33)}.gz`);
    await Bun.write(envBuild, Bun.gzipSync(Buffer.from('<file><entry id="OTHER" value="x"/></file>')));

    const dry = JSON.parse((await fx.run(["sync", "--dry-run", "--json"])).stdout);
    expect(dry.plan.rejected_only[0].rejected.map((r: any) => [r.id, r.status, r.reason])).toEqual([
      [makeLid(31), "invalid", `CaseDocs.${makeLid(31)}/env_case.xml.${makeLid(31)}.gz lacks REALUSER (or set --hpc-username)`],
      [makeLid(32), "invalid", `CaseDocs.${makeLid(32)}/README.case.${makeLid(32)}.gz is named .gz but is not valid gzip`],
      [makeLid(33), "invalid", `CaseDocs.${makeLid(33)}/env_build.xml.${makeLid(33)}.gz lacks GRID`],
    ]);
    const withOwner = await fx.run(["sync", "--hpc-username", "ac.bot", "--json"]);
    expect(withOwner.exitCode).toBe(0);
    expect(fx.server.uploads().map((u) => u.form!.fields.filter(([k]) => k === "processed_execution_ids").map(([, v]) => v))).toEqual([[makeLid(31)]]);
    expect(JSON.parse(withOwner.stdout).summary.created_count).toBe(1);
  });
});
