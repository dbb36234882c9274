import { describe, expect, test } from "bun:test";
import { execFileSync } from "node:child_process";
import { chmod, copyFile, mkdir, mkdtemp, realpath, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { scanArchive } from "../../src/scan/scan-archive.ts";

const LID = (n: number) => `${1_000_000 + n}.251220-105556`;

/** A tree of bare directories: the scan only looks at names and types. */
async function tree(dirs: string[]): Promise<string> {
  const base = await realpath(await mkdtemp(path.join(os.tmpdir(), "sbu-scan-")));
  const root = path.join(base, "performance_archive");
  for (const dir of dirs) await mkdir(path.join(root, dir), { recursive: true });
  return root;
}

describe("scanArchive", () => {
  test("groups execution directories under their parent case, at any depth, and never walks below an execution", async () => {
    const root = await tree([
      `u1/caseB/${LID(2)}`,
      `u1/caseB/${LID(1)}/CaseDocs.${LID(1)}`,
      // An execution-named directory inside an execution is part of it, not another one.
      `u1/caseB/${LID(1)}/${LID(7)}`,
      `u1/caseB/notes`,
      `u1/caseA/${LID(3)}`,
      `group/u2/deep/caseC/${LID(4)}`,
      `u3/empty-case`,
    ]);
    await writeFile(path.join(root, "u1", "caseB", `${LID(9)}`), "a file named like an execution is not one\n");
    const scan = await scanArchive(root);
    expect(scan.root).toBe(root);
    expect(scan.unreadable).toEqual([]);
    expect(scan.cases.map((c) => [c.displayPath, c.identity, c.casePath === c.walkedPath, c.executions.map((e) => [e.id, path.relative(root, e.path)])])).toEqual([
      ["group/u2/deep/caseC", "group/u2/deep/caseC", true, [[LID(4), `group/u2/deep/caseC/${LID(4)}`]]],
      ["u1/caseA", "u1/caseA", true, [[LID(3), `u1/caseA/${LID(3)}`]]],
      [
        "u1/caseB",
        "u1/caseB",
        true,
        [
          [LID(1), `u1/caseB/${LID(1)}`],
          [LID(2), `u1/caseB/${LID(2)}`],
        ],
      ],
    ]);
  });

  test("follows no directory link, and resolves a linked root once for every case path", async () => {
    const root = await tree([`u/real/${LID(1)}`]);
    const outside = path.join(path.dirname(root), "elsewhere");
    await mkdir(path.join(outside, "linked", LID(2)), { recursive: true });
    await symlink(path.join(outside, "linked"), path.join(root, "u", "linked-case"));
    await symlink(path.join(outside, "linked", LID(2)), path.join(root, "u", "real", LID(3)));
    const viaLink = path.join(path.dirname(root), "archive-link");
    await symlink(root, viaLink);

    const scan = await scanArchive(viaLink);
    expect(scan.cases.map((c) => [c.casePath, c.walkedPath, c.executions.map((e) => e.id)])).toEqual([[path.join(root, "u/real"), path.join(viaLink, "u/real"), [LID(1)]]]);
  });

  test("an execution directly below the root makes the root the case", async () => {
    const root = await tree([LID(1)]);
    const scan = await scanArchive(root);
    expect(scan.cases.map((c) => [c.casePath, c.displayPath, c.executions.map((e) => e.path)])).toEqual([[root, ".", [path.join(root, LID(1))]]]);
  });

  test("unreadable directories and names that are not UTF-8 are reported and the rest is scanned", async () => {
    const root = await tree([`u/ok/${LID(1)}`, `u/locked/${LID(2)}`]);
    const bad = Buffer.concat([Buffer.from(`${root}/u/bad-`), Buffer.from([0xff]), Buffer.from(`/${LID(3)}`)]);
    await mkdir(bad as unknown as string, { recursive: true });
    // Root reads anything: the scan runs as nobody to make the EACCES real,
    // from a bundle and a runtime beside the tree (a checkout may sit in a
    // directory nobody cannot enter).
    const asRoot = process.getuid?.() === 0;
    const dir = path.dirname(root);
    const entry = path.join(dir, "scan-entry.ts");
    await writeFile(entry, `import { scanArchive } from ${JSON.stringify(path.resolve(import.meta.dir, "../../src/scan/scan-archive.ts"))};\nconsole.log(JSON.stringify(await scanArchive(process.argv[2])));\n`);
    const built = await Bun.build({ entrypoints: [entry], target: "bun", outdir: dir });
    expect(built.success).toBe(true);
    const runtime = path.join(dir, "bun");
    await copyFile(process.execPath, runtime);
    if (asRoot) execFileSync("chmod", ["-R", "a+rX", dir]);
    await chmod(path.join(root, "u", "locked"), 0o000);
    const command = [runtime, path.join(dir, "scan-entry.js"), root];
    const run = asRoot ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", ...command] : command;
    const scan = JSON.parse(execFileSync(run[0]!, run.slice(1), { encoding: "utf8", cwd: dir, env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir } }));
    await chmod(path.join(root, "u", "locked"), 0o755);
    expect(scan.unreadable).toEqual([
      { path: "u/bad-\uFFFD", reason: "name is not valid UTF-8" },
      { path: "u/locked", reason: "cannot be read (EACCES)" },
    ]);
    expect(scan.cases.map((c: { displayPath: string }) => c.displayPath)).toEqual(["u/ok"]);
  });
});
