/**
 * `npm run demo`: a fixture archive, the local SimBoard-compatible server,
 * and the compiled binary run three times — plan, upload, plan again.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { demoCases, generateArchive } from "../fixtures/generate-archive.ts";
import { DEFAULT_TOKEN, startSimboardServer } from "../test/support/simboard-server.ts";

const binary = path.resolve(import.meta.dir, "../dist/simboard-upload");
const base = await mkdtemp(path.join(os.tmpdir(), "simboard-demo-"));
const root = path.join(base, "performance_archive");
const cases = await generateArchive(root, demoCases());
const server = await startSimboardServer();
console.log(`demo archive: ${root} (${cases.length} cases)\nlocal SimBoard: ${server.url}\n`);

const env = { PATH: process.env.PATH ?? "", HOME: base, SIMBOARD_API_TOKEN: DEFAULT_TOKEN, SIMBOARD_API_BASE_URL: server.url, MACHINE_NAME: "chrysalis", PERF_ARCHIVE_ROOT: root };
let failed = false;
for (const args of [["sync", "--dry-run"], ["sync"], ["sync", "--dry-run", "-v"]]) {
  console.log(`$ simboard-upload ${args.join(" ")}`);
  const child = Bun.spawn([binary, ...args], { env, cwd: base, stdout: "inherit", stderr: "inherit" });
  const code = await child.exited;
  console.log(`(exit ${code})\n`);
  failed ||= code !== 0;
}
console.log(`SimBoard received ${server.uploads().length} upload requests.`);
await server.stop();
await rm(base, { recursive: true, force: true });
process.exitCode = failed ? 1 : 0;
