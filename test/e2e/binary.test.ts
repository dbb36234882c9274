import { describe, expect, test } from "bun:test";
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { BINARY } from "../support/run-binary.ts";

/** Login nodes run old distributions; Bun's linux-x64 build must not need a newer glibc. */
const GLIBC_CEILING = [2, 17];

describe("the compiled binary", () => {
  test("needs no glibc newer than 2.17", async () => {
    const dump = Bun.spawnSync(["objdump", "-T", BINARY], { stdout: "pipe" });
    expect(dump.exitCode).toBe(0);
    const versions = [...new Set(dump.stdout.toString().match(/GLIBC_\d+(\.\d+)*/g) ?? [])].map((v) => v.slice(6).split(".").map(Number));
    expect(versions.length).toBeGreaterThan(0);
    const newest = versions.sort((a, b) => (a[0]! - b[0]!) || ((a[1] ?? 0) - (b[1] ?? 0))).at(-1)!;
    expect(newest[0]! < GLIBC_CEILING[0]! || (newest[0] === GLIBC_CEILING[0] && (newest[1] ?? 0) <= GLIBC_CEILING[1]!)).toBe(true);
  });

  test("ignores a stray .env and bunfig.toml in the working directory", async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), "sbu-dotenv-"));
    await Bun.write(`${cwd}/.env`, "SIMBOARD_API_TOKEN=sbk_from_dotenv_must_not_load_AAAAAAAAAAAAAAAAAAAAA\nMACHINE_NAME=compy\n");
    await Bun.write(`${cwd}/bunfig.toml`, 'preload = ["./nope.ts"]\n');
    const child = Bun.spawn([BINARY, "sync", "--dry-run"], { cwd, env: { PATH: process.env.PATH ?? "", HOME: cwd }, stdout: "pipe", stderr: "pipe" });
    const [code, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
    expect(code).toBe(2);
    expect(stderr.trim()).toBe("simboard-upload: machine: required; set --machine, MACHINE_NAME or machine in the config file");
  });
});
