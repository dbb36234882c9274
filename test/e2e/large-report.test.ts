import { afterEach, describe, expect, test } from "bun:test";
import { makeLid } from "../../fixtures/generate-archive.ts";
import { BINARY } from "../support/run-binary.ts";
import { syncFixture, type SyncFixture } from "../support/sync-fixture.ts";

let fx: SyncFixture | undefined;
afterEach(async () => {
  await fx?.stop();
  fx = undefined;
});

describe("stdout to a slow pipe", () => {
  test("a large --json report arrives whole before the process exits", async () => {
    fx = await syncFixture(Array.from({ length: 1500 }, (_, i) => ({ user: `ac.user${i % 7}`, name: `case_with_a_long_name_${i}`, executions: [{ id: makeLid(i * 2) }, { id: makeLid(i * 2 + 1) }] })));
    const child = Bun.spawn([BINARY, "sync", "--dry-run", "--json", "--pack", "full"], { env: { PATH: process.env.PATH ?? "", HOME: fx.root, ...fx.env }, stdout: "pipe", stderr: "pipe" });
    // Read slowly, so the pipe fills and the writer must wait.
    const reader = child.stdout.getReader();
    const chunks: Uint8Array[] = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(value);
      await Bun.sleep(5);
    }
    expect(await child.exited).toBe(0);
    const text = Buffer.concat(chunks).toString("utf8");
    expect(text.length).toBeGreaterThan(700_000);
    expect(JSON.parse(text).plan.new.length).toBe(1500);
  }, 60_000);
});
