/**
 * Compiles the single-file executable. `.env` and bunfig.toml autoloading are
 * off in the binary: a stray `.env` in a cron job's working directory must
 * not change settings. `--bytecode` ships precompiled bytecode: start-up falls
 * from about 60 ms to 20 ms, which is most of a no-op cron run. The check
 * worker is a second entry point: a worker's code must be inside the binary,
 * where it is addressed by its path below src/ (src/parallel/check-pool.ts).
 */
import { $ } from "bun";
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";

const TARGETS = ["linux-x64", "linux-x64-baseline", "linux-arm64", "darwin-arm64", "darwin-x64", "windows-x64"] as const;
const all = process.argv.includes("--all");
const root = path.resolve(import.meta.dir, "..");
const dist = path.join(root, "dist");
await mkdir(dist, { recursive: true });

async function compile(outfile: string, target?: string): Promise<void> {
  const targetArgs = target ? [`--target=bun-${target}`] : [];
  await $`bun build ${path.join(root, "src/main.ts")} ${path.join(root, "src/parallel/check-worker.ts")} --compile --minify --bytecode --sourcemap=none --no-compile-autoload-dotenv --no-compile-autoload-bunfig --external typescript ${targetArgs} --outfile ${outfile}`.quiet();
}

if (!all) {
  await compile(path.join(dist, "simboard-upload"));
  console.log("built dist/simboard-upload");
} else {
  const sums: string[] = [];
  for (const target of TARGETS) {
    const name = `simboard-upload-${target}${target.startsWith("windows") ? ".exe" : ""}`;
    await compile(path.join(dist, name), target);
    const digest = createHash("sha256").update(await readFile(path.join(dist, name))).digest("hex");
    sums.push(`${digest}  ${name}`);
    console.log(`built dist/${name}`);
  }
  await writeFile(path.join(dist, "SHA256SUMS"), `${sums.join("\n")}\n`);
  console.log("wrote dist/SHA256SUMS");
}
