import { afterEach, describe, expect, test } from "bun:test";
import { chmod, copyFile, mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { makeLid } from "../../fixtures/generate-archive.ts";
import { BINARY } from "../support/run-binary.ts";
import { syncFixture, type SyncFixture } from "../support/sync-fixture.ts";

let fx: SyncFixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

/**
 * Permissions only bind a non-root user, so as root the binary runs as
 * `nobody` (setpriv), from a copy it can execute.
 */
async function runUnprivileged(args: string[], env: Record<string, string>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), "sbu-nobody-"));
  await chmod(dir, 0o755);
  const binary = path.join(dir, "simboard-upload");
  await copyFile(BINARY, binary);
  await chmod(binary, 0o755);
  const asNobody = process.getuid?.() === 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] : [];
  const stateHome = await mkdtemp(path.join(os.tmpdir(), "sbu-nobody-state-"));
  await chmod(stateHome, 0o777);
  const child = Bun.spawn([...asNobody, binary, ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH ?? "", HOME: dir, TMPDIR: os.tmpdir(), XDG_STATE_HOME: stateHome, ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  await chmod(dir, 0o777);
  return { stdout, stderr, exitCode };
}

describe("unreadable parts of the archive", () => {
  test("an unwritable TMPDIR is a one-line configuration error", async () => {
    fx = await syncFixture([{ user: "u", name: "c", executions: [{ id: makeLid(9) }] }]);
    await chmod(path.dirname(fx.root), 0o755);
    const result = await runUnprivileged(["sync"], { ...fx.env, TMPDIR: "/proc" });
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toStartWith("simboard-upload: cannot create a staging directory in /proc (");
    expect(result.stderr.trim().split("\n").length).toBe(1);
    expect(fx.server.uploads()).toEqual([]);
  });

  test("are counted and reported, never fatal; the rest is uploaded and their IDs are not sent", async () => {
    fx = await syncFixture([
      { user: "ac.open", name: "fine", executions: [{ id: makeLid(1) }, { id: makeLid(2) }] },
      { user: "ac.closed", name: "hidden", executions: [{ id: makeLid(3) }] },
    ]);
    await chmod(path.dirname(fx.root), 0o755);
    await chmod(path.join(fx.root, "ac.closed"), 0o700);
    await chmod(path.join(fx.root, "ac.open", "fine", makeLid(2)), 0o700);
    const result = await runUnprivileged(["sync", "--json"], fx.env);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.plan.unreadable).toEqual([{ path: "ac.closed", reason: "cannot be read (EACCES)" }]);
    expect(report.plan.new.map((c: any) => [c.display_path, c.execution_ids, c.rejected.map((r: any) => [r.id, r.status])])).toEqual([
      ["ac.open/fine", [makeLid(1)], [[makeLid(2), "unreadable"]]],
    ]);
    expect(fx.server.uploads().map((u) => u.form!.fields.filter(([k]) => k === "processed_execution_ids").map(([, v]) => v))).toEqual([[makeLid(1)]]);
  });
});
