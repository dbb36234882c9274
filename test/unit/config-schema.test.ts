import { describe, expect, test } from "bun:test";
import path from "node:path";
import { configJsonSchema } from "../../src/config/json-schema.ts";
import { SiteConfigSchema } from "../../src/config/site-config.ts";

const root = path.resolve(import.meta.dir, "../..");

describe("the config schema", () => {
  test("simboard.config.schema.json is generated from the zod schema (run `npm run schema` after changing it)", async () => {
    expect(await Bun.file(path.join(root, "simboard.config.schema.json")).json()).toEqual(configJsonSchema());
  });

  test("every field has a description", () => {
    for (const [name, field] of Object.entries(SiteConfigSchema.shape)) expect([name, field.description?.length ?? 0]).not.toEqual([name, 0]);
  });

  test("the example config shows every field and validates", async () => {
    const example = await Bun.file(path.join(root, "simboard.config.example.json")).json();
    expect(Object.keys(example).sort()).toEqual(Object.keys(SiteConfigSchema.shape).sort());
    expect(SiteConfigSchema.safeParse(example).success).toBe(true);
  });

  test("defaults", () => {
    expect(SiteConfigSchema.parse({})).toEqual({
      apiUrl: "https://simboard-api.e3sm.org",
      dryRun: false,
      maxAttempts: 3,
      timeout: 60,
      concurrency: 2,
      hashConcurrency: 2,
      pack: "metadata",
      json: false,
      logFormat: "text",
      verbose: false,
      allowInsecureHttp: false,
      maxRetryAfter: 300,
      lockStaleAfter: 21600,
    });
  });
});
