import { describe, expect, test } from "bun:test";
import { lstatSync, readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { gunzipSync, gzipSync } from "node:zlib";
import { Parser, type ReadEntry } from "tar";
import { generateArchive, makeLid } from "../../fixtures/generate-archive.ts";
import { readWholeExecution } from "../../src/hash/execution-content.ts";
import { loadHasher } from "../../src/hash/xxh64.ts";
import { listCase, type CaseMembers } from "../../src/pack/case-members.ts";
import { IN_MEMORY_LIMIT, StagingError } from "../../src/pack/gzip-sink.ts";
import { packArchive, type PackedArchive } from "../../src/pack/pack-archive.ts";
import { packBatches } from "../../src/pack/pack-batches.ts";
import type { PlannedCase } from "../../src/plan/sync-plan.ts";
import { validateExecution } from "../../src/scan/validate-execution.ts";

interface Member {
  path: string;
  type: string;
  mode: number;
  mtime: number | undefined;
  data: Buffer;
}

/** Every member of a .tar.gz, read back with node-tar's parser. */
async function membersOf(archive: PackedArchive): Promise<Member[]> {
  const gz = archive.data ?? (await readFile(archive.path!));
  const members: Member[] = [];
  const parser = new Parser({
    onReadEntry: (entry: ReadEntry) => {
      const chunks: Buffer[] = [];
      entry.on("data", (c: Buffer) => chunks.push(c));
      entry.on("end", () => members.push({ path: entry.path, type: entry.type, mode: entry.mode!, mtime: entry.mtime?.getTime(), data: Buffer.concat(chunks) }));
    },
  });
  await new Promise<void>((resolve, reject) => {
    parser.on("end", resolve);
    parser.on("error", reject);
    parser.end(gunzipSync(gz));
  });
  return members;
}

async function setup(logBytes: number) {
  await loadHasher();
  const root = path.join(await mkdtemp(path.join(os.tmpdir(), "sbu-pack-")), "performance_archive");
  const [generated] = await generateArchive(root, [
    {
      user: "u",
      name: "v3.LR.pack_0001",
      executions: [
        { id: makeLid(1), oddNames: true, symlinkInside: true, symlinkOutside: true, hardlink: true, logBytes },
        { id: makeLid(2), kind: "complete-plain-timing" },
      ],
    },
  ]);
  const planned: PlannedCase = {
    casePath: generated!.path,
    walkedPath: generated!.path,
    displayPath: "u/v3.LR.pack_0001",
    identity: "u/v3.LR.pack_0001",
    uploadIds: [makeLid(1), makeLid(2)],
    processedCount: 0,
    rejected: [],
  };
  const staging = path.join(path.dirname(root), "staging");
  await mkdir(staging);
  const list = (mode: "metadata" | "full"): CaseMembers => {
    const listed = listCase(planned, mode);
    if ("changed" in listed) throw new Error(listed.changed);
    return listed;
  };
  return { planned, staging, list };
}

describe("packArchive (one pass: read once, pack and digest the same bytes)", () => {
  test("--pack full of a small case: in memory, regular members only, bytes and digests as read from disk", async () => {
    const { planned, staging, list } = await setup(0);
    const archive = await packArchive(list("full"), planned.uploadIds, path.join(staging, "a.tar.gz"), 6);
    expect(archive.data).toBeDefined();
    expect(archive.path).toBeUndefined();
    const members = await membersOf(archive);
    expect(new Set(members.map((m) => m.type))).toEqual(new Set(["Directory", "File"]));
    expect(members[0]!.path).toBe("v3.LR.pack_0001/");
    expect(members[1]!.path).toBe(`v3.LR.pack_0001/${makeLid(1)}/`);
    // Odd names travel (through pax headers), the inside symlink as a regular file, the outside one not at all.
    const names = members.map((m) => m.path);
    expect(names.some((n) => /[^\x00-\x7f]/.test(n))).toBe(true);
    expect(names).toContain(`v3.LR.pack_0001/${makeLid(1)}/timing.link`);
    expect(names.some((n) => n.endsWith("outside.link"))).toBe(false);
    for (const m of members) {
      expect(m.mode).toBe(m.type === "Directory" ? 0o755 : 0o644);
      if (m.type === "File") {
        expect(m.mtime).toBe(0);
        expect(m.data.equals(readFileSync(path.join(path.dirname(planned.casePath), m.path)))).toBe(true);
      }
    }
    for (const id of planned.uploadIds) {
      const content = readWholeExecution(path.join(planned.casePath, id), false);
      expect(archive.contents.get(id)).toEqual(content);
    }
  });

  test("--pack metadata digests what validation digested", async () => {
    const { planned, staging, list } = await setup(0);
    const archive = await packArchive(list("metadata"), planned.uploadIds, path.join(staging, "m.tar.gz"), 6);
    // Small metadata files: headers dominate, deflate at the level asked for.
    expect(archive.compression).toBe("deflate");
    for (const id of planned.uploadIds) {
      const check = validateExecution({ id, path: path.join(planned.casePath, id) }, { keepEntries: false, ownerFallback: false });
      expect(check.status).toBe("valid");
      if (check.status === "valid") expect(archive.contents.get(id)!.digest).toBe(check.digest);
    }
    const files = (await membersOf(archive)).filter((m) => m.type === "File").map((m) => path.basename(m.path));
    expect(files.some((f) => f.startsWith("e3sm.log"))).toBe(false);
    expect(files.filter((f) => f.startsWith("e3sm_timing")).length).toBe(2);
  });

  test("a case larger than a block streams through zlib to a private staging file, with the same content", async () => {
    const { planned, staging, list } = await setup(3 * 1024 * 1024 + 17);
    const destination = path.join(staging, "big.tar.gz");
    const archive = await packArchive(list("full"), planned.uploadIds, destination, 6);
    expect(archive.path).toBe(destination);
    expect(archive.bytes).toBe(statSync(destination).size);
    // Mostly gzip data already: run-length only, and no bigger than the data itself.
    expect(archive.compression).toBe("rle");
    expect(archive.bytes).toBeLessThan(3 * 1024 * 1024 + 17 + 64 * 1024);
    expect(archive.bytes).toBeGreaterThan(IN_MEMORY_LIMIT);
    expect(statSync(destination).mode & 0o777).toBe(0o600);
    const log = (await membersOf(archive)).find((m) => path.basename(m.path).startsWith("e3sm.log"))!;
    expect(gunzipSync(log.data).length).toBe(3 * 1024 * 1024 + 17);
    expect(log.data.equals(readFileSync(path.join(path.dirname(planned.casePath), log.path)))).toBe(true);
    expect(archive.contents.get(makeLid(1))).toEqual(readWholeExecution(path.join(planned.casePath, makeLid(1)), false));
  });

  test("a file that disappears before it is packed fails the pack with ENOENT and leaves no staging file", async () => {
    const { planned, staging, list } = await setup(3 * 1024 * 1024);
    const members = list("full");
    const victim = members.executions[1]!.entries.find((e) => e.type === "file")!;
    await writeFile(victim.absolutePath, "");
    await Bun.file(victim.absolutePath).delete();
    const destination = path.join(staging, "gone.tar.gz");
    await expect(packArchive(members, planned.uploadIds, destination, 6)).rejects.toMatchObject({ code: "ENOENT" });
    expect(() => statSync(destination)).toThrow();
  });

  test("a full disk while staging is one clear error (no unhandled rejection) and leaves nothing behind", async () => {
    const { planned, staging, list } = await setup(3 * 1024 * 1024);
    const destination = path.join(staging, "full.tar.gz");
    await symlink("/dev/full", destination);
    const error = await packArchive(list("full"), planned.uploadIds, destination, 6).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StagingError);
    expect(error).toMatchObject({ code: "ENOSPC", path: destination });
    expect((error as Error).message).toContain("check the free space and quota of TMPDIR");
    expect(() => lstatSync(destination)).toThrow();
  });

  test("the deflate strategy follows the whole archive's planned content, not its first block", async () => {
    await loadHasher();
    const base = await mkdtemp(path.join(os.tmpdir(), "sbu-mixed-"));
    const casePath = path.join(base, "performance_archive", "u", "v3.LR.mixed");
    const id = makeLid(7);
    // Sorted first: 1.5 MiB of gzip data; after it, 20 MB of plain-text log.
    await mkdir(path.join(casePath, id, "CaseDocs.x"), { recursive: true });
    await writeFile(path.join(casePath, id, "CaseDocs.x", "blob.gz"), gzipSync(randomBytes(1536 * 1024)));
    const lines = Array.from({ length: 400_000 }, (_, i) => `step ${i} dt=1800 ncpl=48 wall ${(i * 0.37).toFixed(3)} s\n`).join("");
    await writeFile(path.join(casePath, id, "zz_plain.log"), lines);
    const planned: PlannedCase = { casePath, walkedPath: casePath, displayPath: "u/v3.LR.mixed", identity: "u/v3.LR.mixed", uploadIds: [id], processedCount: 0, rejected: [] };
    const members = listCase(planned, "full");
    if ("changed" in members) throw new Error(members.changed);
    const content = readWholeExecution(path.join(casePath, id), false);
    expect(content.compressedBytes).toBe(statSync(path.join(casePath, id, "CaseDocs.x", "blob.gz")).size);

    // Judged from its first block alone, this archive is run-length coded: ~3× too big here.
    const guessed = await packArchive(members, [id], path.join(base, "guessed.tar.gz"), 6);
    expect(guessed.compression).toBe("rle");

    const batches = [];
    for await (const batch of packBatches(members, [{ id, digest: content.digest, bytes: content.bytes, compressedBytes: content.compressedBytes }], { stagingFile: path.join(base, "planned.tar.gz"), limitBytes: 50 * 1024 * 1024, gzipLevel: 6 })) batches.push(batch);
    expect(batches.length).toBe(1);
    const batch = batches[0]!;
    if (batch.kind !== "archive") throw new Error(`expected an archive, got ${batch.kind}`);
    expect(batch.archive.compression).toBe("deflate");
    expect(batch.archive.bytes * 2).toBeLessThan(guessed.bytes);
    expect(batch.archive.contents.get(id)).toEqual(content);
  });
});
