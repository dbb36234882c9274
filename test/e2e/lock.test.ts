import { afterEach, describe, expect, test } from "bun:test";
import { mkdtemp, readdir, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { makeLid } from "../../fixtures/generate-archive.ts";
import { lockFileName } from "../../src/lock/run-lock.ts";
import { syncFixture, type SyncFixture } from "../support/sync-fixture.ts";

let fx: SyncFixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

async function setup() {
  fx = await syncFixture([{ user: "u", name: "c", executions: [{ id: makeLid(1) }] }]);
  const stateDir = await mkdtemp(path.join(os.tmpdir(), "sbu-state-"));
  const lockFile = path.join(stateDir, lockFileName({ api: `${fx.server.url}/api/v1`, machine: "chrysalis", archiveRoot: fx.root }));
  return { f: fx, stateDir, lockFile };
}

const hoursAgo = (h: number) => new Date(Date.now() - h * 3600_000).toISOString();

describe("the run lock", () => {
  test("a real run takes and releases it; a dry run does not need it", async () => {
    const { f, stateDir, lockFile } = await setup();
    await writeFile(lockFile, JSON.stringify({ host: os.hostname(), pid: process.pid, started_at: new Date().toISOString() }));
    const dry = await f.run(["sync", "--dry-run", "--state-dir", stateDir]);
    expect(dry.exitCode).toBe(0);
    await Bun.file(lockFile).delete();
    const real = await f.run(["sync", "--state-dir", stateDir]);
    expect(real.exitCode).toBe(0);
    expect(await readdir(stateDir)).toEqual([]);
  });

  test("a live holder on this host makes a second run exit 4 naming it, and nothing is fetched", async () => {
    const { f, stateDir, lockFile } = await setup();
    const started = new Date().toISOString();
    await writeFile(lockFile, JSON.stringify({ host: os.hostname(), pid: process.pid, started_at: started }));
    const result = await f.run(["sync", "--state-dir", stateDir]);
    expect(result.exitCode).toBe(4);
    expect(result.stderr.trim()).toBe(
      `simboard-upload: another run holds the lock (pid ${process.pid} on ${os.hostname()}, started ${started}); lock file ${lockFile}. If no such run exists, delete the file`,
    );
    expect(f.server.requests).toEqual([]);
    expect(await Bun.file(lockFile).exists()).toBe(true);
  });

  test("a holder on this host whose pid is gone is taken over with a warning", async () => {
    const { f, stateDir, lockFile } = await setup();
    const dead = Bun.spawn(["true"]);
    await dead.exited;
    await writeFile(lockFile, JSON.stringify({ host: os.hostname(), pid: dead.pid, started_at: new Date().toISOString() }));
    const result = await f.run(["sync", "--state-dir", stateDir]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr.trim()).toBe(`simboard-upload: warning: took over a stale lock (pid ${dead.pid} on ${os.hostname()} is gone)`);
    expect(f.server.uploads().length).toBe(1);
    expect(await readdir(stateDir)).toEqual([]);
  });

  test("a holder on another host is honoured until --lock-stale-after", async () => {
    const { f, stateDir, lockFile } = await setup();
    await writeFile(lockFile, JSON.stringify({ host: "login2.example", pid: 4242, started_at: hoursAgo(2) }));
    const held = await f.run(["sync", "--state-dir", stateDir]);
    expect(held.exitCode).toBe(4);
    const taken = await f.run(["sync", "--state-dir", stateDir, "--lock-stale-after", "1h"]);
    expect(taken.exitCode).toBe(0);
    expect(taken.stderr).toContain("took over a stale lock (the lock of pid 4242 on login2.example is older than 3600 s)");
  });

  test("an unreadable lock file is judged by its age", async () => {
    const { f, stateDir, lockFile } = await setup();
    await writeFile(lockFile, "");
    const fresh = await f.run(["sync", "--state-dir", stateDir]);
    expect(fresh.exitCode).toBe(4);
    expect(fresh.stderr).toContain("a run whose lock file is still being written");
    const old = new Date(Date.now() - 120_000);
    await utimes(lockFile, old, old);
    const taken = await f.run(["sync", "--state-dir", stateDir]);
    expect(taken.exitCode).toBe(0);
    expect(taken.stderr).toContain("took over a stale lock (an unreadable lock file)");
  });

  test("an unusable state directory is a configuration error", async () => {
    const { f } = await setup();
    const result = await f.run(["sync", "--state-dir", "/proc/no-such-dir"]);
    expect(result.exitCode).toBe(2);
    expect(result.stderr.trim()).toStartWith("simboard-upload: stateDir: cannot create /proc/no-such-dir (");
  });
});
