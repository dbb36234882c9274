import { expect, test } from "bun:test";
import { closeSync, openSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fill } from "../../src/hash/read-file.ts";

test("fill keeps reading after a short read until the end (a FIFO stands in for a FUSE mount that reads short)", async () => {
  const fifo = path.join(await mkdtemp(path.join(os.tmpdir(), "sbu-fill-")), "short-reads");
  expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
  // Two writes with a pause between them: the first read returns only the first.
  const writer = Bun.spawn(["sh", "-c", `exec 3>'${fifo}'; printf 'first half;' >&3; sleep 0.3; printf 'second half' >&3`]);
  const fd = openSync(fifo, "r");
  try {
    const buffer = Buffer.alloc(64);
    const n = fill(fd, buffer, 0);
    expect(buffer.subarray(0, n).toString()).toBe("first half;second half");
  } finally {
    closeSync(fd);
    await writer.exited;
  }
});
